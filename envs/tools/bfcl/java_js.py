"""Java and JavaScript argument values: source text <-> Python values, for BFCL's ``simple_java``
and ``simple_javascript`` categories.

In those categories every argument is passed as a string of Java or JavaScript source
(``"50"``, ``"3.5f"``, ``"new ArrayList<>(Arrays.asList(\\"a\\", \\"b\\"))"``, ``"{key: 'v'}"``);
the checker converts it by the parameter's declared type before comparing it with the possible
answers. Text that does not parse as the declared type stays a string (and then fails the type
check unless the answer is a variable name). :func:`encode_java` and :func:`encode_js` write a
Python value back as source text (the oracle's side).

Where BFCL's own converter keeps the quotes of strings inside a Java ``new T[]{...}`` array,
this one drops them, as it does for ``ArrayList`` elements.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["JAVA_TYPES", "JS_TYPES", "convert_java", "convert_js", "encode_java", "encode_js", "split_top_level"]

#: Java type name -> the Python type of a converted value.
JAVA_TYPES: dict[str, type] = {
    "byte": int,
    "short": int,
    "integer": int,
    "float": float,
    "double": float,
    "long": int,
    "boolean": bool,
    "char": str,
    "Array": list,
    "ArrayList": list,
    "HashMap": dict,
    "Hashtable": dict,
    "Queue": list,
    "Stack": list,
    "String": str,
    "any": str,
}

#: JavaScript type name -> the Python type of a converted value.
JS_TYPES: dict[str, type] = {
    "String": str,
    "integer": int,
    "float": float,
    "Bigint": int,
    "Boolean": bool,
    "dict": dict,
    "array": list,
    "any": str,
}

_INT = re.compile(r"-?\d+")
_JAVA_FLOAT = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]")
_JAVA_DOUBLE = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_JAVA_LONG = re.compile(r"-?\d+[lL]")
_JS_FLOAT = re.compile(r"-?\d+(\.\d+)?")
_JAVA_ARRAY = re.compile(r"new\s+[\w.<>]+\s*\[\s*\]\s*\{(.*)\}", re.DOTALL)
_JAVA_ASLIST = re.compile(r"new\s+ArrayList\s*<[^>]*>\s*\(\s*Arrays\s*\.\s*asList\s*\((.*)\)\s*\)", re.DOTALL)
_JAVA_ADDS = re.compile(r"new\s+ArrayList\s*<[^>]*>\s*\(\s*\)\s*\{\s*\{(.*)\}\s*\}", re.DOTALL)
_JAVA_EMPTY_LIST = re.compile(r"new\s+ArrayList\s*<[^>]*>\s*\(\s*\)")
_JAVA_MAP = re.compile(r"new\s+Hash(?:Map|table)\s*<[^>]*>\s*\(\s*\)\s*(\{\s*\{?(.*?)\}?\s*\})?", re.DOTALL)
_CALL_ARG = re.compile(r"(?:add|put)\s*\((.*)\)\s*;?", re.DOTALL)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside quotes and brackets; empty pieces are dropped."""
    parts, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _unquote(text: str) -> str | None:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
        return text[1:-1]
    return None


# ---------------------------------------------------------------------- Java
def _java_literal(text: str) -> Any:
    """A Java literal whose type is not declared: boolean, string, long, float, int, double, else text."""
    text = text.strip()
    if text in ("true", "false"):
        return text == "true"
    quoted = _unquote(text)
    if quoted is not None:
        return quoted
    if _JAVA_LONG.fullmatch(text):
        return int(text[:-1])
    if _JAVA_FLOAT.fullmatch(text):
        return float(text[:-1])
    if _INT.fullmatch(text):
        return int(text)
    if _JAVA_DOUBLE.fullmatch(text):
        return float(text)
    return text


def _java_element(text: str, nested: str | None) -> Any:
    if nested in ("String", "char"):
        quoted = _unquote(text.strip())
        return quoted if quoted is not None else text.strip()
    if nested in (None, "any"):  # no declared element type: read the literal as written
        return _java_literal(text)
    return convert_java(text.strip(), nested)


def convert_java(text: str, type_name: str, nested: str | None = None) -> Any:
    """Convert Java source text to a Python value by its declared type (text if it does not parse)."""
    text = text.strip()
    if type_name in ("byte", "short", "integer"):
        return int(text) if _INT.fullmatch(text) else text
    if type_name == "float":
        return float(text[:-1]) if _JAVA_FLOAT.fullmatch(text) else text
    if type_name == "double":
        return float(text) if _JAVA_DOUBLE.fullmatch(text) else text
    if type_name == "long":
        return int(text[:-1]) if _JAVA_LONG.fullmatch(text) else text
    if type_name == "boolean":
        return text == "true" if text in ("true", "false") else text
    if type_name == "Array":
        m = _JAVA_ARRAY.fullmatch(text)
        return [_java_element(e, nested) for e in split_top_level(m.group(1))] if m else text
    if type_name == "ArrayList":
        m = _JAVA_ASLIST.fullmatch(text)
        if m:
            return [_java_element(e, nested) for e in split_top_level(m.group(1))]
        m = _JAVA_ADDS.fullmatch(text)
        if m:
            adds = [_CALL_ARG.fullmatch(s.strip()) for s in split_top_level(m.group(1), ";")]
            return [_java_element(a.group(1), nested) for a in adds if a] if all(adds) else text
        return [] if _JAVA_EMPTY_LIST.fullmatch(text) else text
    if type_name in ("HashMap", "Hashtable"):
        m = _JAVA_MAP.fullmatch(text)
        if not m:
            return text
        result = {}
        for put in split_top_level(m.group(2) or "", ";"):
            call = _CALL_ARG.fullmatch(put)
            pair = split_top_level(call.group(1)) if call else []
            if len(pair) != 2:
                return text
            key = _java_literal(pair[0])
            result[key if isinstance(key, str) else str(key)] = _java_literal(pair[1])
        return result
    return text  # String, char, any and the collection types BFCL does not convert


def _java_element_type(nested: str | None) -> str:
    return {"integer": "int", "String": "String", "long": "long", "double": "double", "float": "float",
            "boolean": "boolean", "char": "char"}.get(nested or "", "Object")


def _java_source(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def encode_java(value: Any, type_name: str, nested: str | None = None) -> str:
    """Write a Python value as Java source text of the declared type (inverse of :func:`convert_java`)."""
    if isinstance(value, str):  # a string, or a variable name standing for the value
        return value
    if type_name in ("byte", "short", "integer"):
        return str(value)
    if type_name == "long":
        return f"{value}L"
    if type_name == "float":
        return f"{float(value)!r}f"
    if type_name == "double":
        return repr(float(value))
    if type_name == "boolean":
        return "true" if value else "false"
    if type_name == "Array" and isinstance(value, list):
        items = ", ".join(_java_item(v, nested) for v in value)
        return f"new {_java_element_type(nested)}[]{{{items}}}"
    if type_name == "ArrayList" and isinstance(value, list):
        items = ", ".join(_java_item(v, nested) for v in value)
        return f"new ArrayList<>(Arrays.asList({items}))" if value else "new ArrayList<>()"
    if type_name in ("HashMap", "Hashtable") and isinstance(value, dict):
        puts = " ".join(f"put({json.dumps(str(k))}, {_java_source(v)});" for k, v in value.items())
        return f"new HashMap<String, Object>() {{{{ {puts} }}}}"
    return value if isinstance(value, str) else _java_source(value)


def _java_item(value: Any, nested: str | None) -> str:
    if nested in ("String", "char") or isinstance(value, str):
        return json.dumps(str(value))
    return encode_java(value, nested) if nested not in (None, "any") else _java_source(value)


# ---------------------------------------------------------------------- JavaScript
class _JsReader:
    """A small reader of JavaScript literals: arrays, objects (bare or quoted keys), strings,
    numbers, ``true``/``false``/``null``/``undefined``; anything else is kept as its text."""

    def __init__(self, text: str):
        self.text, self.i = text, 0

    def _skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def value(self) -> Any:
        self._skip()
        if self.i >= len(self.text):
            raise ValueError("unexpected end")
        ch = self.text[self.i]
        if ch == "[":
            return self._sequence("]")
        if ch == "{":
            return self._object()
        if ch in "\"'`":
            return self._string(ch)
        start = self.i
        depth = 0
        while self.i < len(self.text):
            c = self.text[self.i]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif c in ",:" and depth == 0:
                break
            self.i += 1
        return _js_scalar(self.text[start:self.i].strip())

    def _string(self, quote: str) -> str:
        self.i += 1
        out = []
        while self.i < len(self.text) and self.text[self.i] != quote:
            if self.text[self.i] == "\\" and self.i + 1 < len(self.text):
                self.i += 1
            out.append(self.text[self.i])
            self.i += 1
        if self.i >= len(self.text):
            raise ValueError("unterminated string")
        self.i += 1
        return "".join(out)

    def _sequence(self, close: str) -> list:
        self.i += 1
        items = []
        while True:
            self._skip()
            if self.i < len(self.text) and self.text[self.i] == close:
                self.i += 1
                return items
            items.append(self.value())
            self._skip()
            if self.i < len(self.text) and self.text[self.i] == ",":
                self.i += 1
            elif not (self.i < len(self.text) and self.text[self.i] == close):
                raise ValueError("expected ',' or the end of the list")

    def _object(self) -> dict:
        self.i += 1
        result = {}
        while True:
            self._skip()
            if self.i < len(self.text) and self.text[self.i] == "}":
                self.i += 1
                return result
            key = self.value()
            self._skip()
            if not (self.i < len(self.text) and self.text[self.i] == ":"):
                raise ValueError("expected ':' after a key")
            self.i += 1
            result[str(key)] = self.value()
            self._skip()
            if self.i < len(self.text) and self.text[self.i] == ",":
                self.i += 1
            elif not (self.i < len(self.text) and self.text[self.i] == "}"):
                raise ValueError("expected ',' or '}'")


def _js_scalar(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if _INT.fullmatch(text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        return text


def _js_parse(text: str) -> Any:
    reader = _JsReader(text)
    value = reader.value()
    reader._skip()
    if reader.i != len(text):
        raise ValueError("trailing text")
    return value


def convert_js(text: str, type_name: str, nested: str | None = None) -> Any:
    """Convert JavaScript source text to a Python value by its declared type (text if it does not parse)."""
    text = text.strip()
    if type_name == "String":
        quoted = _unquote(text)
        return quoted if quoted is not None else text
    if type_name == "integer":
        return int(text) if _INT.fullmatch(text) else text
    if type_name == "float":
        return float(text) if _JS_FLOAT.fullmatch(text) else text
    if type_name == "Bigint":
        return int(text[:-1]) if re.fullmatch(r"-?\d+n", text) else text
    if type_name == "Boolean":
        return text == "true" if text in ("true", "false") else text
    if type_name in ("array", "dict"):
        source = text
        m = re.fullmatch(r"new\s+Array\s*\((.*)\)", text, re.DOTALL)
        if type_name == "array" and m:
            source = f"[{m.group(1)}]"
        try:
            value = _js_parse(source)
        except (ValueError, IndexError, RecursionError):
            return text
        if type_name == "array" and isinstance(value, list) and nested:
            value = [convert_js(v, nested) if isinstance(v, str) and nested != "String" else v for v in value]
        return value if isinstance(value, (list if type_name == "array" else dict)) else text
    return text


def _js_source(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_js_source(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_js_source(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        text = repr(value)  # shortest round-trip form; JavaScript's float syntax has no exponent here
        return format(value, "f") if "e" in text else text
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def encode_js(value: Any, type_name: str, nested: str | None = None) -> str:
    """Write a Python value as JavaScript source text of the declared type (inverse of :func:`convert_js`)."""
    if isinstance(value, str):  # a string, or a variable name standing for the value
        return value
    if type_name == "Bigint":
        return f"{value}n"
    if type_name == "Boolean":
        return "true" if value else "false"
    if type_name == "float":
        return _js_source(float(value))
    return _js_source(value)
