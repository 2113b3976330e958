"""The deployment's own settings, read from a TOML file (kesu.toml by default).

What differs from one business to the next lives here: complaint categories, the
reference fields asked for (order number, plate number, ...), whether a contact is
required, and which remedies are offered. Every section is optional and falls back to
the defaults of PROCESS.md §2. Validation is strict, unknown keys included: a misspelt
key would otherwise silently bring back a default.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.domain.config_errors import DeploymentConfigError, config_error as _fail, join as _join, only_keys as _only_keys, table as _table, type_name as _type_name, validated
from core.domain.abuse import AbuseConfig, AbuseTable
from core.domain.sla import SlaPolicy, default_sla, sla_from_mapping
from core.domain.staff import StaffConfig, StaffTable

LOCALES: tuple[str, ...] = ("zh_Hans", "zh_Hant", "en")

RESOLUTION_KEYS: tuple[str, ...] = (
    "refund", "replacement", "repair", "apology", "compensation", "explanation", "other",
)

# Read when no path is given; a missing file there just means "use the defaults".
DEFAULT_CONFIG_PATH = Path("kesu.toml")

# Keys travel in Telegram callback data (64 bytes in all), so they stay short and ASCII.
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,30}")

# A longer answer to a reference question is a statement pasted in the wrong place.
REFERENCE_MAX_LENGTH = 200


@dataclass(frozen=True)
class LocalizedText:
    """A text the deployment gives in every locale."""

    zh_Hans: str
    zh_Hant: str
    en: str

    def get(self, locale: str) -> str:
        if locale not in LOCALES:
            raise ValueError(f"unsupported locale {locale!r}")
        return getattr(self, locale)

    def as_dict(self) -> dict[str, str]:
        return {locale: getattr(self, locale) for locale in LOCALES}


@dataclass(frozen=True)
class Category:
    key: str
    label: LocalizedText


@dataclass(frozen=True)
class ReferenceField:
    """A business identifier asked for during intake (order number, plate number, ...)."""

    key: str
    label: LocalizedText
    prompt: LocalizedText
    example: LocalizedText | None = None
    required: bool = False
    pattern: str | None = None  # the whole stripped answer must match (re.fullmatch)
    _regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        # Compiled once here; an invalid pattern raises re.error at construction.
        regex = re.compile(self.pattern) if self.pattern is not None else None
        object.__setattr__(self, "_regex", regex)

    def accepts(self, answer: str) -> bool:
        """Whether a typed answer is a plausible value. An empty answer never is:
        skipping an optional field is a separate action, not an empty text."""
        value = answer.strip()
        if not value or len(value) > REFERENCE_MAX_LENGTH:
            return False
        return self._regex is None or self._regex.fullmatch(value) is not None


@dataclass(frozen=True)
class IntakeConfig:
    categories: tuple[Category, ...]
    references: tuple[ReferenceField, ...]
    contact_required: bool
    min_statement_length: int
    max_statement_messages: int
    resolution_options: tuple[str, ...]
    # Open cases one customer may have at once; a new complaint waits for one to close.
    max_open_cases: int = 3

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)

    def reference(self, key: str) -> ReferenceField | None:
        return next((r for r in self.references if r.key == key), None)


@dataclass(frozen=True)
class DeploymentConfig:
    intake: IntakeConfig
    staff: StaffConfig = StaffConfig()
    sla: SlaPolicy = field(default_factory=default_sla)
    abuse: AbuseConfig = AbuseConfig()


# --- defaults (PROCESS.md §2) --------------------------------------------------------

def _text(zh_hans: str, zh_hant: str, en: str) -> LocalizedText:
    return LocalizedText(zh_Hans=zh_hans, zh_Hant=zh_hant, en=en)


_DEFAULT_CATEGORIES = (
    Category("service_quality", _text("服务质量", "服務品質", "Service quality")),
    Category("product_quality", _text("产品质量", "產品品質", "Product quality")),
    Category("staff_attitude", _text("员工态度", "員工態度", "Staff attitude")),
    Category("information", _text("信息与通知", "資訊與通知", "Information and notices")),
    Category("technical_support", _text("技术支持", "技術支援", "Technical support")),
    Category("price_billing", _text("价格与收费", "價格與收費", "Prices and billing")),
    Category("after_sales", _text("售后服务", "售後服務", "After-sales service")),
    Category("other", _text("其他", "其他", "Other")),
)

_DEFAULT_REFERENCES = (
    ReferenceField(
        key="order_number",
        label=_text("订单号", "訂單編號", "Order number"),
        prompt=_text(
            "请发送您的订单号，可在订单确认短信或邮件中找到。如没有，可以跳过。",
            "請傳送您的訂單編號，可在訂單確認訊息或電子郵件中找到。如沒有，可以略過。",
            "Please send your order number; you can find it in the order confirmation "
            "message or email. If you don't have one, you can skip this step.",
        ),
        example=_text("SO-20240501-0032", "SO-20240501-0032", "SO-20240501-0032"),
        required=False,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$",
    ),
)

_DEFAULT_INTAKE = IntakeConfig(
    categories=_DEFAULT_CATEGORIES,
    references=_DEFAULT_REFERENCES,
    contact_required=False,
    min_statement_length=10,
    max_statement_messages=30,
    resolution_options=RESOLUTION_KEYS,
)


def default_config() -> DeploymentConfig:
    return DeploymentConfig(intake=_DEFAULT_INTAKE)


# --- loading -----------------------------------------------------------------------------

def load_config(path: Path | None = None) -> DeploymentConfig:
    """Reads the deployment configuration.

    With no path, DEFAULT_CONFIG_PATH is read if it exists, else the defaults apply. A
    path that was given explicitly must exist: a typo there must not start the bot with
    the defaults.
    """
    if path is None:
        if not DEFAULT_CONFIG_PATH.is_file():
            return default_config()
        path = DEFAULT_CONFIG_PATH
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DeploymentConfigError("file not found", file=path) from None
    except OSError as error:
        raise DeploymentConfigError(f"cannot be read ({error.strerror or error})", file=path) from None
    try:
        # utf-8-sig: editors on Windows like to prepend a BOM, which TOML does not allow.
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise DeploymentConfigError(f"not UTF-8 text (byte {error.start})", file=path) from None
    except tomllib.TOMLDecodeError as error:
        # The message carries "(at line L, column C)".
        raise DeploymentConfigError(f"not valid TOML: {error}", file=path) from None
    try:
        return config_from_mapping(data)
    except DeploymentConfigError as error:
        raise DeploymentConfigError(error.problem, file=path, key_path=error.key_path) from None


def config_from_mapping(data: Mapping[str, Any]) -> DeploymentConfig:
    """Builds a configuration from already parsed TOML; errors carry the key path only."""
    _only_keys(data, ("intake", "staff", "sla", "abuse"), "")
    intake = data.get("intake", {})
    return DeploymentConfig(
        intake=_intake(_table(intake, "intake"), "intake"),
        staff=StaffConfig(**dict(validated(StaffTable, data.get("staff", {}), "staff"))),
        sla=sla_from_mapping(data.get("sla", {}), "sla"),
        abuse=AbuseConfig(**dict(validated(AbuseTable, data.get("abuse", {}), "abuse"))),
    )


def _require(table: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in table:
        raise _fail(_join(path, key), "missing")
    return table[key]


def _int(value: Any, path: str, minimum: int) -> int:
    # bool is a subclass of int; `true` is not a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"expected an integer, got {_type_name(value)}")
    if value < minimum:
        raise _fail(path, f"must be at least {minimum}, got {value}")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, f"expected true or false, got {_type_name(value)}")
    return value


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _fail(path, f"expected a string, got {_type_name(value)}")
    text = value.strip()
    if not text:
        raise _fail(path, "must not be empty")
    return text


def _key(value: Any, path: str) -> str:
    key = _str(value, path)
    if not KEY_PATTERN.fullmatch(key):
        raise _fail(path, f"{key!r} is not a valid key: use a-z, 0-9 and _, start with a letter, at most 31 characters")
    return key


def _localized(value: Any, path: str) -> LocalizedText:
    table = _table(value, path)
    _only_keys(table, LOCALES, path)
    texts = {locale: _str(_require(table, locale, path), _join(path, locale)) for locale in LOCALES}
    return LocalizedText(**texts)


def _array_of_tables(value: Any, path: str) -> list[tuple[str, Mapping[str, Any]]]:
    if not isinstance(value, list):
        raise _fail(path, f"expected an array of tables, got {_type_name(value)}")
    return [(f"{path}[{index}]", _table(item, f"{path}[{index}]")) for index, item in enumerate(value)]


def _check_unique(key: str, path: str, seen: dict[str, str]) -> None:
    if key in seen:
        raise _fail(_join(path, "key"), f"duplicate key {key!r} (also {seen[key]})")
    seen[key] = path


def _category(table: Mapping[str, Any], path: str) -> Category:
    _only_keys(table, ("key", "label"), path)
    return Category(
        key=_key(_require(table, "key", path), _join(path, "key")),
        label=_localized(_require(table, "label", path), _join(path, "label")),
    )


def _reference(table: Mapping[str, Any], path: str) -> ReferenceField:
    _only_keys(table, ("key", "label", "prompt", "example", "required", "pattern"), path)
    pattern = None
    if "pattern" in table:
        pattern = _str(table["pattern"], _join(path, "pattern"))
        try:
            re.compile(pattern)
        except re.error as error:
            raise _fail(_join(path, "pattern"), f"not a valid regular expression ({error})") from None
    example = table.get("example")
    return ReferenceField(
        key=_key(_require(table, "key", path), _join(path, "key")),
        label=_localized(_require(table, "label", path), _join(path, "label")),
        prompt=_localized(_require(table, "prompt", path), _join(path, "prompt")),
        example=_localized(example, _join(path, "example")) if example is not None else None,
        required=_bool(table.get("required", False), _join(path, "required")),
        pattern=pattern,
    )


def _resolution_options(value: Any, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _fail(path, f"expected an array of strings, got {_type_name(value)}")
    options: list[str] = []
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        option = _str(item, item_path)
        if option not in RESOLUTION_KEYS:
            raise _fail(item_path, f"unknown resolution option {option!r} (expected one of: {', '.join(RESOLUTION_KEYS)})")
        if option in options:
            raise _fail(item_path, f"duplicate resolution option {option!r}")
        options.append(option)
    # "other" (with the customer's own words) is always offered, so no remedy is unsayable.
    if "other" not in options:
        options.append("other")
    return tuple(options)


def _intake(table: Mapping[str, Any], path: str) -> IntakeConfig:
    _only_keys(
        table,
        ("min_statement_length", "max_statement_messages", "contact_required", "resolution_options",
         "categories", "references", "max_open_cases"),
        path,
    )
    defaults = _DEFAULT_INTAKE

    categories = defaults.categories
    if "categories" in table:
        items = _array_of_tables(table["categories"], _join(path, "categories"))
        if not items:
            raise _fail(_join(path, "categories"), "at least one category is required")
        seen: dict[str, str] = {}
        parsed_categories = []
        for item_path, item in items:
            category = _category(item, item_path)
            _check_unique(category.key, item_path, seen)
            parsed_categories.append(category)
        categories = tuple(parsed_categories)

    references = defaults.references
    if "references" in table:
        seen = {}
        parsed_references = []
        # An empty array is allowed: the intake then asks for no reference at all.
        for item_path, item in _array_of_tables(table["references"], _join(path, "references")):
            reference = _reference(item, item_path)
            _check_unique(reference.key, item_path, seen)
            parsed_references.append(reference)
        references = tuple(parsed_references)

    def value(key: str, parse: Any, default: Any) -> Any:
        return parse(table[key], _join(path, key)) if key in table else default

    return IntakeConfig(
        categories=categories,
        references=references,
        contact_required=value("contact_required", _bool, defaults.contact_required),
        min_statement_length=value(
            "min_statement_length", lambda v, p: _int(v, p, minimum=1), defaults.min_statement_length
        ),
        max_statement_messages=value(
            "max_statement_messages", lambda v, p: _int(v, p, minimum=1), defaults.max_statement_messages
        ),
        resolution_options=value("resolution_options", _resolution_options, defaults.resolution_options),
        max_open_cases=value("max_open_cases", lambda v, p: _int(v, p, minimum=1), defaults.max_open_cases),
    )
