import re
from pathlib import Path

import pytest

from core.domain.deployment import (
    LOCALES,
    RESOLUTION_KEYS,
    Category,
    DeploymentConfig,
    DeploymentConfigError,
    LocalizedText,
    ReferenceField,
    default_config,
    load_config,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "kesu.example.toml"

LABEL = 'label = { zh_Hans = "简", zh_Hant = "繁", en = "E" }'
PROMPT = 'prompt = { zh_Hans = "请输入", zh_Hant = "請輸入", en = "Enter" }'


def write(tmp_path: Path, text: str, name: str = "kesu.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults ------------------------------------------------------------------------------

def test_no_path_and_no_file_at_the_default_location_gives_the_defaults(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(None) == default_config()
    assert load_config() == default_config()


def test_no_path_reads_the_file_at_the_default_location(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "[intake]\ncontact_required = true\n")
    assert load_config(None).intake.contact_required is True


def test_a_given_path_that_does_not_exist_is_an_error(tmp_path) -> None:
    missing = tmp_path / "kesu-prod.toml"
    with pytest.raises(DeploymentConfigError, match="kesu-prod.toml: file not found"):
        load_config(missing)


def test_the_example_file_reproduces_the_defaults() -> None:
    assert load_config(EXAMPLE) == default_config()


def test_an_empty_file_gives_the_defaults(tmp_path) -> None:
    assert load_config(write(tmp_path, "")) == default_config()
    assert load_config(write(tmp_path, "[intake]\n")) == default_config()


def test_default_values_follow_the_process() -> None:
    intake = default_config().intake
    assert [c.key for c in intake.categories] == [
        "service_quality", "product_quality", "staff_attitude", "information",
        "technical_support", "price_billing", "after_sales", "other",
    ]
    assert intake.contact_required is False
    assert intake.min_statement_length == 10
    assert intake.max_statement_messages == 30
    assert intake.resolution_options == RESOLUTION_KEYS
    [order] = intake.references
    assert (order.key, order.required, order.pattern) == ("order_number", False, "^[A-Za-z0-9][A-Za-z0-9-]{3,39}$")
    assert order.example is not None and all(order.accepts(order.example.get(locale)) for locale in LOCALES)


def test_default_traditional_labels_use_taiwan_and_hong_kong_wording() -> None:
    labels = {c.key: c.label for c in default_config().intake.categories}
    assert labels["service_quality"].zh_Hant == "服務品質"
    assert labels["technical_support"].zh_Hant == "技術支援"
    assert "資訊" in labels["information"].zh_Hant
    assert labels["after_sales"].zh_Hant == "售後服務"
    assert labels["service_quality"].zh_Hans == "服务质量"
    assert labels["technical_support"].zh_Hans == "技术支持"


def test_every_default_text_is_given_in_every_locale() -> None:
    intake = default_config().intake
    texts = [c.label for c in intake.categories]
    for reference in intake.references:
        texts += [reference.label, reference.prompt] + ([reference.example] if reference.example else [])
    for text in texts:
        assert all(text.get(locale).strip() for locale in LOCALES)


def test_every_key_fits_in_callback_data() -> None:
    intake = default_config().intake
    for key in [c.key for c in intake.categories] + [r.key for r in intake.references]:
        assert re.fullmatch(r"[a-z][a-z0-9_]{0,30}", key)


# --- custom configurations --------------------------------------------------------------

CAR_WORKSHOP = """
[intake]
contact_required = true
min_statement_length = 20
max_statement_messages = 10
resolution_options = ["repair", "refund", "explanation"]

[[intake.categories]]
key = "repair_quality"
label = { zh_Hans = "维修质量", zh_Hant = "維修品質", en = "Repair quality" }

[[intake.categories]]
key = "waiting_time"
label = { zh_Hans = "等候时间", zh_Hant = "等候時間", en = "Waiting time" }

[[intake.references]]
key = "plate_number"
required = true
pattern = '[\\u4e00-\\u9fff][A-Z][A-Z0-9]{5,6}'
label = { zh_Hans = "车牌号", zh_Hant = "車牌號碼", en = "Plate number" }
prompt = { zh_Hans = "请输入车牌号", zh_Hant = "請輸入車牌號碼", en = "Please enter the plate number" }
example = { zh_Hans = "粤B12345", zh_Hant = "粤B12345", en = "粤B12345" }

[[intake.references]]
key = "work_order"
label = { zh_Hans = "工单号", zh_Hant = "工單號碼", en = "Work order" }
prompt = { zh_Hans = "如有工单号请输入", zh_Hant = "如有工單號碼請輸入", en = "Work order number, if you have one" }
"""


def test_a_car_workshop_configuration_loads(tmp_path) -> None:
    config = load_config(write(tmp_path, CAR_WORKSHOP))
    intake = config.intake
    assert isinstance(config, DeploymentConfig)
    assert intake.contact_required is True
    assert (intake.min_statement_length, intake.max_statement_messages) == (20, 10)
    assert intake.categories == (
        Category("repair_quality", LocalizedText("维修质量", "維修品質", "Repair quality")),
        Category("waiting_time", LocalizedText("等候时间", "等候時間", "Waiting time")),
    )
    # "other" is always offered, after the deployment's own choices.
    assert intake.resolution_options == ("repair", "refund", "explanation", "other")

    plate = intake.reference("plate_number")
    assert plate is not None and plate.required and plate.example == LocalizedText("粤B12345", "粤B12345", "粤B12345")
    assert plate.accepts("粤B12345") and plate.accepts(" 京AD12345 ")
    assert not plate.accepts("B12345") and not plate.accepts("粤b12345")

    work_order = intake.reference("work_order")
    assert work_order is not None
    assert (work_order.required, work_order.pattern, work_order.example) == (False, None, None)
    assert work_order.accepts("WO 2024/17")
    assert intake.reference("order_number") is None
    assert intake.category("waiting_time") is intake.categories[1]
    assert intake.category("service_quality") is None


def test_missing_sections_take_their_defaults(tmp_path) -> None:
    intake = load_config(write(tmp_path, "[intake]\ncontact_required = true\n")).intake
    defaults = default_config().intake
    assert intake.contact_required is True
    assert intake.categories == defaults.categories
    assert intake.references == defaults.references
    assert intake.resolution_options == defaults.resolution_options


def test_an_empty_reference_list_asks_for_nothing(tmp_path) -> None:
    assert load_config(write(tmp_path, "[intake]\nreferences = []\n")).intake.references == ()


def test_resolution_options_keep_their_order(tmp_path) -> None:
    text = '[intake]\nresolution_options = ["apology", "other", "refund"]\n'
    assert load_config(write(tmp_path, text)).intake.resolution_options == ("apology", "other", "refund")
    assert load_config(write(tmp_path, "[intake]\nresolution_options = []\n")).intake.resolution_options == ("other",)


def test_a_byte_order_mark_is_tolerated(tmp_path) -> None:
    path = tmp_path / "kesu.toml"
    path.write_bytes("\ufeff[intake]\nmin_statement_length = 5\n".encode("utf-8"))
    assert load_config(path).intake.min_statement_length == 5


def test_text_values_are_stripped(tmp_path) -> None:
    text = '[[intake.categories]]\nkey = " cars "\nlabel = { zh_Hans = " 车 ", zh_Hant = "車", en = "Cars " }\n'
    assert load_config(write(tmp_path, text)).intake.categories == (Category("cars", LocalizedText("车", "車", "Cars")),)


# --- errors -------------------------------------------------------------------------------

def category(body: str) -> str:
    return f"[[intake.categories]]\n{body}\n"


def reference(body: str) -> str:
    return f"[[intake.references]]\n{body}\n"


GOOD_CATEGORY = category(f'key = "a"\n{LABEL}')
GOOD_REFERENCE = reference(f'key = "r"\n{LABEL}\n{PROMPT}')

ERRORS = [
    # top level and [intake]
    ("[report]\nweekly = true\n", "report", "unknown section"),
    ("[reports]\nweekly = true\n", "reports.weekly", "unknown key"),
    ('[reports]\ndigest = "yes"\n', "reports.digest", "expected true or false, got a string"),
    ('[reports]\ndigest_weekday = "Mon"\n', "reports.digest_weekday", "must be one of"),
    ('[reports]\ndigest_time = "9 am"\n', "reports.digest_time", "expected a time of day"),
    ("intake = 5\n", "intake", "expected a table"),
    ("[intake]\nmin_statement_lenght = 10\n", "intake.min_statement_lenght", "unknown key"),
    ('[intake]\nmin_statement_length = "10"\n', "intake.min_statement_length", "expected an integer, got a string"),
    ("[intake]\nmin_statement_length = true\n", "intake.min_statement_length", "expected an integer, got a boolean"),
    ("[intake]\nmin_statement_length = 10.5\n", "intake.min_statement_length", "expected an integer"),
    ("[intake]\nmin_statement_length = 0\n", "intake.min_statement_length", "at least 1"),
    ("[intake]\nmin_statement_length = -3\n", "intake.min_statement_length", "at least 1"),
    ("[intake]\nmax_statement_messages = 0\n", "intake.max_statement_messages", "at least 1"),
    ('[intake]\ncontact_required = "yes"\n', "intake.contact_required", "expected true or false"),
    ("[intake]\ncontact_required = 1\n", "intake.contact_required", "expected true or false"),
    ('[intake]\nresolution_options = "refund"\n', "intake.resolution_options", "expected an array"),
    ('[intake]\nresolution_options = ["refund", 3]\n', "intake.resolution_options[1]", "expected a string"),
    ('[intake]\nresolution_options = ["refund", "cashback"]\n', "intake.resolution_options[1]", "unknown resolution option 'cashback'"),
    ('[intake]\nresolution_options = ["refund", "refund"]\n', "intake.resolution_options[1]", "duplicate"),
    # categories
    ("[intake]\ncategories = []\n", "intake.categories", "at least one category"),
    ('[intake]\ncategories = "service"\n', "intake.categories", "expected an array of tables"),
    ('[intake]\ncategories = ["service"]\n', "intake.categories[0]", "expected a table"),
    (category(LABEL), "intake.categories[0].key", "missing"),
    (category('key = "a"'), "intake.categories[0].label", "missing"),
    (category('key = "a"\nlabel = "Cars"'), "intake.categories[0].label", "expected a table"),
    (category('key = "a"\nlabel = { zh_Hans = "简", en = "E" }'), "intake.categories[0].label.zh_Hant", "missing"),
    (category('key = "a"\nlabel = { zh_Hans = "简", zh_Hant = "繁", en = "E", zh_TW = "繁" }'), "intake.categories[0].label.zh_TW", "unknown key"),
    (category('key = "a"\nlabel = { zh_Hans = "简", zh_Hant = "繁", en = "  " }'), "intake.categories[0].label.en", "must not be empty"),
    (category('key = "a"\nlabel = { zh_Hans = "简", zh_Hant = 5, en = "E" }'), "intake.categories[0].label.zh_Hant", "expected a string"),
    (category(f'key = "a"\n{LABEL}\ndescription = "x"'), "intake.categories[0].description", "unknown key"),
    (GOOD_CATEGORY + category(f'key = "b"\n{LABEL}') + category(f'key = "a"\n{LABEL}'), "intake.categories[2].key", "duplicate key 'a' (also intake.categories[0])"),
    (category(f'key = "Service"\n{LABEL}'), "intake.categories[0].key", "not a valid key"),
    (category(f'key = "after-sales"\n{LABEL}'), "intake.categories[0].key", "not a valid key"),
    (category(f'key = "1st"\n{LABEL}'), "intake.categories[0].key", "not a valid key"),
    (category(f'key = "服务"\n{LABEL}'), "intake.categories[0].key", "not a valid key"),
    (category(f'key = "{"k" * 32}"\n{LABEL}'), "intake.categories[0].key", "not a valid key"),
    (category(f"key = 7\n{LABEL}"), "intake.categories[0].key", "expected a string"),
    # references
    ('[intake]\nreferences = { key = "r" }\n', "intake.references", "expected an array of tables"),
    (GOOD_REFERENCE + reference(f'key = "s"\n{LABEL}\n{PROMPT}\npattern = "[A-Z"'), "intake.references[1].pattern", "not a valid regular expression ("),
    (reference(f'key = "r"\n{LABEL}\n{PROMPT}\npattern = 5'), "intake.references[0].pattern", "expected a string"),
    (reference(f'key = "r"\n{LABEL}\n{PROMPT}\npattern = ""'), "intake.references[0].pattern", "must not be empty"),
    (reference(f'key = "r"\n{LABEL}\n{PROMPT}\nrequired = "no"'), "intake.references[0].required", "expected true or false"),
    (reference(f'key = "r"\n{LABEL}'), "intake.references[0].prompt", "missing"),
    (reference(f'{LABEL}\n{PROMPT}'), "intake.references[0].key", "missing"),
    (reference(f'key = "r"\n{LABEL}\n{PROMPT}\nexample = {{ zh_Hans = "1", zh_Hant = "1" }}'), "intake.references[0].example.en", "missing"),
    (reference(f'key = "r"\n{LABEL}\n{PROMPT}\nexample = "A1234"'), "intake.references[0].example", "expected a table"),
    (reference(f'key = "r"\n{LABEL}\n{PROMPT}\nhint = "x"'), "intake.references[0].hint", "unknown key"),
    (reference(f'key = "r"\n{LABEL}\nprompt = {{ zh_Hans = "请", en = "E" }}'), "intake.references[0].prompt.zh_Hant", "missing"),
    (GOOD_REFERENCE + GOOD_REFERENCE, "intake.references[1].key", "duplicate key 'r'"),
    (reference(f'key = "plate-no"\n{LABEL}\n{PROMPT}'), "intake.references[0].key", "not a valid key"),
]


@pytest.mark.parametrize(("text", "key_path", "problem"), ERRORS)
def test_errors_name_the_file_and_the_key_path(tmp_path, text: str, key_path: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DeploymentConfigError) as caught:
        load_config(path)
    error = caught.value
    assert error.key_path == key_path
    assert error.file == path
    assert str(error).startswith(f"{path}: {key_path}: ")
    assert problem in str(error)


# The whole message, for paths the list above only samples: wrong types, unknown keys in
# nested tables, missing locale texts, and the [staff] and [abuse] sections.
INTAKE_KEYS = (
    "min_statement_length, max_statement_messages, contact_required, resolution_options, categories, references, "
    "max_open_cases"
)
USER_IDS = "must be a list of Telegram user ids (positive integers)"

EXACT_MESSAGES = [
    ("[report]\n", "report: unknown section (expected one of: intake, staff, sla, abuse, reports, repeats, routing)"),
    ("[reports]\ndigest_hour = 9\n", "reports.digest_hour: unknown key (expected one of: digest, digest_weekday, digest_time)"),
    ('[reports]\ndigest_weekday = "Monday"\n',
     "reports.digest_weekday: must be one of 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'"),
    ('[reports]\ndigest_time = "24:00"\n', 'reports.digest_time: expected a time of day as "HH:MM" (24-hour, e.g. "09:00"), got \'24:00\''),
    ("[reports]\ndigest_time = 09:00:00\n", "reports.digest_time: expected a string, got time"),
    ("[intake]\nmin_statement_lenght = 10\n", f"intake.min_statement_lenght: unknown key (expected one of: {INTAKE_KEYS})"),
    ("[intake]\nmax_open_cases = \"3\"\n", "intake.max_open_cases: expected an integer, got a string"),
    ("[intake]\nmax_open_cases = 0\n", "intake.max_open_cases: must be at least 1, got 0"),
    ("[intake]\ncontact_required = 1979-05-27\n", "intake.contact_required: expected true or false, got date"),
    ("[intake]\nresolution_options = {refund = true}\n", "intake.resolution_options: expected an array of strings, got a table"),
    ('[intake]\nresolution_options = [" "]\n', "intake.resolution_options[0]: must not be empty"),
    ("[intake]\nreferences = [5]\n", "intake.references[0]: expected a table, got an integer"),
    (category('key = "a"\nlabel = ["Cars"]'), "intake.categories[0].label: expected a table, got an array"),
    (category('key = "a"\nlabel = { zh_Hans = "简", en = "E" }'), "intake.categories[0].label.zh_Hant: missing"),
    (
        category(f'key = "a"\n{LABEL}\ndescription = "x"'),
        "intake.categories[0].description: unknown key (expected one of: key, label)",
    ),
    (
        category('key = "a"\nlabel = { zh_Hans = "简", zh_Hant = "繁", en = "E", zh_TW = "繁" }'),
        "intake.categories[0].label.zh_TW: unknown key (expected one of: zh_Hans, zh_Hant, en)",
    ),
    (
        reference(f'key = "r"\n{LABEL}\n{PROMPT}\nhint = "x"'),
        "intake.references[0].hint: unknown key (expected one of: key, label, prompt, example, required, pattern)",
    ),
    (reference(f'key = "r"\n{LABEL}\n{PROMPT}\nexample = {{ zh_Hant = "1", en = "1" }}'), "intake.references[0].example.zh_Hans: missing"),
    (reference(f'key = "r"\n{LABEL}\n{PROMPT}\nrequired = 1'), "intake.references[0].required: expected true or false, got an integer"),
    (reference(f'{LABEL}\n{PROMPT}'), "intake.references[0].key: missing"),
    # A misspelt key is named rather than the key it leaves missing.
    (category(f'kee = "a"\n{LABEL}'), "intake.categories[0].kee: unknown key (expected one of: key, label)"),
    (
        category(f'key = " Bad "\n{LABEL}'),
        "intake.categories[0].key: 'Bad' is not a valid key: use a-z, 0-9 and _, start with a letter, at most 31 characters",
    ),
    (GOOD_REFERENCE + reference(f'key = " r "\n{LABEL}\n{PROMPT}'), "intake.references[1].key: duplicate key 'r' (also intake.references[0])"),
    ("staff = [1]\n", "staff: expected a table, got an array"),
    ("[staff]\nadmins = [1]\n", "staff.admins: unknown key (expected one of: agents, supervisors, directors, confidential, "
     "traditional_standard, show_converted, group_locale)"),
    ("[staff]\nagents = 5\n", f"staff.agents: {USER_IDS}"),
    ("[staff]\nsupervisors = [1, -2]\n", f"staff.supervisors: {USER_IDS}"),
    ("[staff]\ndirectors = [true]\n", f"staff.directors: {USER_IDS}"),
    ('[staff]\nconfidential = "yes"\n', "staff.confidential: expected true or false, got a string"),
    ('[staff]\ntraditional_standard = "cn"\n', "staff.traditional_standard: must be one of 'tw', 'hk'"),
    ("[staff]\ngroup_locale = 5\n", "staff.group_locale: must be one of 'zh_Hans', 'zh_Hant', 'en'"),
    ("[staff]\nshow_converted = 0\n", "staff.show_converted: expected true or false, got an integer"),
    ("abuse = 60\n", "abuse: expected a table, got an integer"),
    ("[abuse]\nper_hour = 5\n", "abuse.per_hour: unknown key (expected one of: messages_per_minute)"),
    ('[abuse]\nmessages_per_minute = "60"\n', "abuse.messages_per_minute: expected an integer, got a string"),
    ("[abuse]\nmessages_per_minute = 0\n", "abuse.messages_per_minute: must be at least 1, got 0"),
    ("[sla]\ngeneral = []\n", "sla.general: expected a table, got an array"),
    ('[sla.urgent]\nreceived = ["15 minutes"]\n', 'sla.urgent.received: expected a duration such as "2 working days", got an array'),
    ("[sla]\nremind_at = inf\n", "sla.remind_at: must be between 0 and 1 (exclusive), got inf"),
    (
        '[sla.major]\nsolution_proposed = "1 hour"\n',
        "sla.major.solution_proposed: this wait is on the customer's side and the same for every severity: "
        "set sla.proposal_close_after instead",
    ),
    (
        '[sla]\nproposal_close_after = "2 working days"\n',
        "sla.proposal_close_after: the proposal reminder (2 working days) must come before the proposal closes "
        "(2 working days)",
    ),
]


@pytest.mark.parametrize(("text", "message"), EXACT_MESSAGES, ids=[m.split(":")[0] for _, m in EXACT_MESSAGES])
def test_the_whole_message_names_the_file_the_key_and_the_problem(tmp_path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DeploymentConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {message}"


def test_a_toml_syntax_error_gives_line_and_column(tmp_path) -> None:
    path = write(tmp_path, "[intake]\ncontact_required = true\nmin_statement_length 10\n")
    with pytest.raises(DeploymentConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not valid TOML")
    assert "line 3" in message and "column" in message


def test_a_file_that_is_not_utf8_is_an_error(tmp_path) -> None:
    path = tmp_path / "kesu.toml"
    path.write_bytes("[intake]\n# 投诉\n".encode("gb18030"))
    with pytest.raises(DeploymentConfigError, match="not UTF-8"):
        load_config(path)


def test_a_directory_is_not_a_configuration(tmp_path) -> None:
    with pytest.raises(DeploymentConfigError, match="cannot be read"):
        load_config(tmp_path)


# --- value objects --------------------------------------------------------------------------

def test_localized_text_by_locale() -> None:
    text = LocalizedText(zh_Hans="服务质量", zh_Hant="服務品質", en="Service quality")
    assert [text.get(locale) for locale in LOCALES] == ["服务质量", "服務品質", "Service quality"]
    assert text.as_dict() == {"zh_Hans": "服务质量", "zh_Hant": "服務品質", "en": "Service quality"}
    with pytest.raises(ValueError):
        text.get("fr")


ORDER = default_config().intake.reference("order_number")


@pytest.mark.parametrize(
    ("answer", "accepted"),
    [
        ("SO-20240501-0032", True),
        ("A123", True),
        ("  20240501ABC  ", True),  # the answer is stripped first
        ("a" * 40, True),
        ("a" * 41, False),
        ("A12", False),
        ("-A123", False),
        ("SO 2024 0501", False),
        ("订单20240501", False),
        ("SO-20240501-0032\nthanks", False),
        ("", False),
        ("   ", False),
    ],
)
def test_order_number_answers(answer: str, accepted: bool) -> None:
    assert ORDER is not None
    assert ORDER.accepts(answer) is accepted


def test_a_pattern_must_match_the_whole_answer() -> None:
    text = LocalizedText("x", "x", "x")
    card = ReferenceField(key="card", label=text, prompt=text, example=None, required=True, pattern=r"[A-Z]{2}\d{4}")
    assert card.accepts("AB1234")
    assert not card.accepts("XAB1234") and not card.accepts("AB12345")


def test_without_a_pattern_any_reasonable_answer_is_taken() -> None:
    text = LocalizedText("x", "x", "x")
    member = ReferenceField(key="member", label=text, prompt=text)
    assert member.accepts("会员 8812") and member.accepts("x" * 200)
    assert not member.accepts("") and not member.accepts("x" * 201)


def test_an_invalid_pattern_is_refused_at_construction() -> None:
    text = LocalizedText("x", "x", "x")
    with pytest.raises(re.error):
        ReferenceField(key="bad", label=text, prompt=text, pattern="(")


def test_fields_compare_by_value() -> None:
    text = LocalizedText("x", "x", "x")
    one = ReferenceField(key="k", label=text, prompt=text, pattern="a+")
    assert one == ReferenceField(key="k", label=text, prompt=text, pattern="a+")
    assert hash(one) == hash(ReferenceField(key="k", label=text, prompt=text, pattern="a+"))


def test_the_reports_table_reads_the_digest_schedule(tmp_path) -> None:
    reports = load_config(write(tmp_path, '[reports]\ndigest = true\ndigest_weekday = "friday"\ndigest_time = "7:30"\n')).reports
    assert (reports.digest, reports.digest_weekday, reports.digest_time, reports.weekday_index) == (True, "friday", "07:30", 4)
    assert default_config().reports.digest is False
