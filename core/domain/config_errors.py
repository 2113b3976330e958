"""Validation helpers shared by the deployment file's sections: each section is a strict
pydantic Table, and pydantic's findings become one DeploymentConfigError naming the key
path (`intake.categories[0].label.en`) in the file's own wording."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, WrapValidator
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError


class DeploymentConfigError(Exception):
    """The configuration file cannot be used. The message names the file and the key path."""

    def __init__(self, problem: str, *, file: Path | None = None, key_path: str | None = None) -> None:
        self.problem = problem
        self.file = file
        self.key_path = key_path
        prefix = "".join(f"{part}: " for part in (file, key_path) if part)
        super().__init__(prefix + problem)


class Table(BaseModel):
    """A table of the deployment file. Strict, as TOML has real types ("10" is not 10, 1 is
    not true), and unknown keys are refused: a misspelt key would silently bring back a
    default. Fields are declared in the order the "expected one of" messages list them."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


Model = TypeVar("Model", bound=BaseModel)

# Any text the bot shows: surrounding spaces dropped, never empty.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Count = Annotated[int, Field(ge=1)]

# The file's wording of pydantic's error types: {type} is the kind of value found
# ("a string"), {input} the value itself; the rest comes from the error's context
# ({error}: what a validator raised).
_PHRASES = {
    "missing": "missing", "model_type": "expected a table, got {type}", "int_type": "expected an integer, got {type}",
    "bool_type": "expected true or false, got {type}", "string_type": "expected a string, got {type}",
    "string_too_short": "must not be empty", "greater_than_equal": "must be at least {ge}, got {input}",
    "less_than_equal": "must be at most {le}, got {input}",
    "value_error": "{error}",
}


def validated(model: type[Model], data: Any, path: str = "") -> Model:
    """`data` as a `model`; a problem raises DeploymentConfigError with its key path under `path`."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = _first(error.errors())
        raise DeploymentConfigError(_problem(first, model, path), key_path=_dotted(path, first["loc"]) or None) from None


def building(settings: Callable[..., Any], table: type[Table]) -> Any:
    """A table read straight into the settings it describes (its fields are their arguments)."""
    return Annotated[table, AfterValidator(lambda values: settings(**dict(values)))]


def say(**phrases: str) -> WrapValidator:
    """The wording, by error type, of what pydantic finds wrong with a value itself (e.g.
    list_type="expected an array of tables, got {type}"); errors inside it keep theirs."""
    def reword(value: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(value)
        except ValidationError as error:
            own = next((e for e in error.errors() if not e["loc"] and e["type"] in phrases), None)
            if own is None:
                raise
            raise ValueError(_worded(phrases[own["type"]], own)) from None
    return WrapValidator(reword)


def one_of(*options: str) -> Any:
    return Annotated[Literal[options], say(literal_error="must be one of " + ", ".join(map(repr, options)))]


def error_at(loc: tuple[str | int, ...], problem: str, mention: tuple[str | int, ...] = ()) -> ValidationError:
    """A problem at `loc` below the value a validator checks. "{mention}" in `problem`
    becomes the key path of `mention`, a location below the same value ("..": one up)."""
    ctx = {"problem": problem, "depth": len(loc), "mention": mention}
    detail = InitErrorDetails(type=PydanticCustomError("config", "{problem}", ctx), loc=loc, input=None)
    return ValidationError.from_exception_data("deployment file", [detail])


def type_name(value: Any) -> str:
    return {
        bool: "a boolean", int: "an integer", float: "a number", str: "a string",
        list: "an array", dict: "a table",
    }.get(type(value), type(value).__name__)


def _first(errors: list[ErrorDetails]) -> ErrorDetails:
    # Pydantic lists a table's unknown keys after its other errors; the file has always
    # named a misspelt key first, as it is often why another value looks wrong or missing.
    first = errors[0]
    unknown = [e for e in errors if e["type"] == "extra_forbidden" and first["loc"][: len(e["loc"]) - 1] == e["loc"][:-1]]
    return min(unknown, key=lambda e: len(e["loc"]), default=first)


def _problem(error: ErrorDetails, model: type[BaseModel], path: str) -> str:
    kind, loc, ctx = error["type"], error["loc"], error.get("ctx", {})
    if kind == "extra_forbidden":
        keys = ", ".join(_table_at(model, loc[:-1]).model_fields)
        return f"unknown {'key' if _dotted(path, loc[:-1]) else 'section'} (expected one of: {keys})"
    if kind == "config":
        base = loc[: len(loc) - ctx["depth"]]
        for part in ctx["mention"]:
            base = base[:-1] if part == ".." else (*base, part)
        return ctx["problem"].replace("{mention}", _dotted(path, base))
    if kind not in _PHRASES:
        return error["msg"]  # a check no table uses yet: pydantic's own words
    return _worded(_PHRASES[kind], error)


def _worded(phrase: str, error: ErrorDetails) -> str:
    return phrase.format(type=type_name(error["input"]), input=error["input"], **error.get("ctx", {}))


def _dotted(path: str, loc: tuple[str | int, ...]) -> str:
    for part in loc:
        path = f"{path}[{part}]" if isinstance(part, int) else f"{path}.{part}" if path else part
    return path


def _table_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel]:
    for part in loc:
        if isinstance(part, str):  # a list index stays on the items' table
            model = _model_in(model.model_fields[part].annotation)
    return model


def _model_in(annotation: Any) -> Any:
    """The table in a field's type: `T`, `list[T]`, `T | None`, `Annotated[T, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_model_in, get_args(annotation)) if m is not None), None)
