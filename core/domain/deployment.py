"""The deployment's own settings, read from a TOML file (kesu.toml by default).

What differs from one business to the next lives here: complaint categories, the
reference fields asked for (order number, plate number, ...), whether a contact is
required, and which remedies are offered. Every section is optional and falls back to
the defaults of docs/process.md §1–§2. The file's tables are strict pydantic models (see
core.domain.config_errors) that validate straight into these settings.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from core.domain.abuse import AbuseConfig, AbuseTable
from core.domain.config_errors import Count, DeploymentConfigError, Table, Text, building, error_at, say, validated
from core.domain.digest_schedule import ReportsConfig, ReportsTable
from core.domain.desk_routing import RoutingConfig, RoutingTable
from core.domain.repeats import RepeatsConfig, RepeatsTable
from core.domain.sla import SlaPolicy, SlaTable, default_sla
from core.domain.staff import StaffConfig, StaffTable
from core.locale import SUPPORTED_LOCALES

# The locales every deployment text is given in: the catalogs' own.
LOCALES: tuple[str, ...] = SUPPORTED_LOCALES

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
    reports: ReportsConfig = ReportsConfig()
    repeats: RepeatsConfig = RepeatsConfig()
    routing: RoutingConfig = RoutingConfig()


# --- defaults (docs/process.md §1–§2) --------------------------------------------------------

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


# --- the file's tables -------------------------------------------------------------------------

def _key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise ValueError(f"{key!r} is not a valid key: use a-z, 0-9 and _, start with a letter, at most 31 characters")
    return key


def _regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"not a valid regular expression ({error})") from None
    return pattern


def _resolution_options(options: list[str]) -> tuple[str, ...]:
    for index, option in enumerate(options):
        if option not in RESOLUTION_KEYS:
            raise error_at((index,), f"unknown resolution option {option!r} (expected one of: {', '.join(RESOLUTION_KEYS)})")
        if option in options[:index]:
            raise error_at((index,), f"duplicate resolution option {option!r}")
    # "other" (with the customer's own words) is always offered, so no remedy is unsayable.
    return tuple(options) if "other" in options else (*options, "other")


def _unique_keys(items: list[Any]) -> tuple[Any, ...]:
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.key in first:
            raise error_at((index, "key"), f"duplicate key {item.key!r} (also {{mention}})", mention=(first[item.key],))
        first[item.key] = index
    return tuple(items)


_Key = Annotated[Text, AfterValidator(_key)]
_TABLES = "expected an array of tables, got {type}"


class _Texts(Table):
    zh_Hans: Text
    zh_Hant: Text
    en: Text


# Each table validates straight into the value it describes.
_Localized = building(LocalizedText, _Texts)


class _CategoryTable(Table):
    key: _Key
    label: _Localized


class _ReferenceTable(Table):
    key: _Key
    label: _Localized
    prompt: _Localized
    example: _Localized | None = None
    required: bool = False
    pattern: Annotated[Text, AfterValidator(_regex)] | None = None


_Category = building(Category, _CategoryTable)
_Reference = building(ReferenceField, _ReferenceTable)


class _IntakeTable(Table):
    min_statement_length: Count = _DEFAULT_INTAKE.min_statement_length
    max_statement_messages: Count = _DEFAULT_INTAKE.max_statement_messages
    contact_required: bool = _DEFAULT_INTAKE.contact_required
    resolution_options: Annotated[
        list[Text], AfterValidator(_resolution_options), say(list_type="expected an array of strings, got {type}"),
    ] = _DEFAULT_INTAKE.resolution_options
    categories: Annotated[
        list[_Category], Field(min_length=1), AfterValidator(_unique_keys),
        say(list_type=_TABLES, too_short="at least one category is required"),
    ] = _DEFAULT_INTAKE.categories
    # An empty array is allowed: the intake then asks for no reference at all.
    references: Annotated[
        list[_Reference], AfterValidator(_unique_keys), say(list_type=_TABLES),
    ] = _DEFAULT_INTAKE.references
    max_open_cases: Count = _DEFAULT_INTAKE.max_open_cases


_Intake = building(IntakeConfig, _IntakeTable)
_Staff = building(StaffConfig, StaffTable)
_Sla = Annotated[SlaTable, AfterValidator(SlaTable.policy)]
_Abuse = building(AbuseConfig, AbuseTable)
_Reports = building(ReportsConfig, ReportsTable)
_Repeats = building(RepeatsConfig, RepeatsTable)
_Routing = Annotated[RoutingTable, AfterValidator(RoutingTable.config)]


class _DeploymentFile(Table):
    intake: _Intake = _DEFAULT_INTAKE
    staff: _Staff = StaffConfig()
    sla: _Sla = default_sla()
    abuse: _Abuse = AbuseConfig()
    reports: _Reports = ReportsConfig()
    repeats: _Repeats = RepeatsConfig()
    routing: _Routing = RoutingConfig()


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
    return DeploymentConfig(**dict(validated(_DeploymentFile, data)))
