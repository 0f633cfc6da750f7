"""The guard in front of Dash's callback endpoint (POST /_dash-update-component).

A request the renderer could not have sent is refused with a 4xx and a message before Dash
parses it or any callback runs, in this order:
- a body over MAX_BODY_BYTES gets 413: from Content-Length when given, else counted while the
  body is read, so a 200 MB (or endless chunked) body is never held in memory;
- a body nested deeper than MAX_DEPTH gets 400, found by a scan of the raw bytes, so the JSON
  parser never recurses deep enough to fail;
- a body that is no JSON object, or names no callback of this app, gets 400;
- a body that does not match its callback's schema gets 400 naming what is wrong. The schema is
  derived from the app's own callback map: every input and state must be the declared
  component property, with a value of the type that property carries (VALUE_SCHEMAS), and the
  outputs must be the declared ones.
A callback that still fails on values the schema allowed (a TypeError, ValueError, KeyError...
from a value it cannot use) answers 400 with a message, not a 500 with a traceback.

Every refusal is logged as one line: method, path, status, reason and body size; never the body,
nor the layout a callback would have returned.
"""
from __future__ import annotations

import io
import json
import logging
import threading
from functools import wraps
from pathlib import Path

import jsonschema_rs
import numpy as np
from dash import _callback as dash_callbacks
from flask import jsonify, request
from werkzeug.wsgi import get_content_length, get_input_stream

# Real callback bodies are a few KB at most (a chart page's controls: about 1 KB).
MAX_BODY_BYTES = 1 << 20
# Real bodies nest about 7 levels (a click's point's bounding box, inside the input's value).
MAX_DEPTH = 32
READ_CHUNK_BYTES = 64 * 1024
# Errors a callback raises on a value it cannot use (a list where it splits a string, a number
# where it looks up a name...): the request's fault, answered 400. Anything else is a bug: 500.
UNUSABLE_VALUE_ERRORS = (TypeError, ValueError, AttributeError, LookupError)
REFUSED = "Not a callback request this app can answer"

SCALAR_TYPES = ["string", "number", "boolean", "null"]
PLOTLY_EVENT = {
    "type": ["object", "null"], "required": ["points"],
    "properties": {"points": {"type": "array", "items": {"type": "object"}}},
    "description": "Plotly's event data: null or {\"points\": [objects]}"}
COUNT = {"type": ["integer", "null"], "minimum": 0, "description": "a whole number"}
TEXT = {"type": ["string", "null"], "description": "a string"}
# What a component sends for each property a callback can take as input or state. `value`: every
# control of this app is a RadioItems or an Input, which send one scalar; a page that adds a
# multi-select Dropdown or a Checklist needs an entry saying a list is allowed for its id.
VALUE_SCHEMAS = {
    "value": {"type": SCALAR_TYPES, "description": "a string, number, true/false or null"},
    "pathname": TEXT, "search": TEXT, "hash": TEXT, "href": TEXT,
    "clickData": PLOTLY_EVENT, "hoverData": PLOTLY_EVENT, "selectedData": PLOTLY_EVENT,
    "n_clicks": COUNT, "n_submit": COUNT, "n_blur": COUNT,
    "data": {"description": "JSON data"},     # a dcc.Store holds whatever the page put in it
}

_CODES = np.frombuffer(b"[{]}", dtype=np.uint8)
_QUOTE = ord('"')
_STEP = np.zeros(256, dtype=np.int8)
_STEP[_CODES[:2]], _STEP[_CODES[2:]] = 1, -1


class Refused(Exception):
    def __init__(self, status: int, message: str, size: str):
        super().__init__(message)
        self.status, self.message, self.size = status, message, size


# --- the body ----------------------------------------------------------------------------

def read_body(environ: dict, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused (413) as soon as it is known to exceed limit: from its
    Content-Length before reading, or counted while reading a chunked body. Puts the bytes read
    back as the request's input, so Flask (and Dash) read the same body afterwards."""
    declared = get_content_length(environ)
    if declared is not None and declared > limit:
        raise Refused(413, f"The body is {declared:,} bytes; at most {limit:,} are accepted.", f"{declared:,}")
    # Bounded by Content-Length; a chunked body ends where the server says it does.
    stream = get_input_stream(environ, safe_fallback=True)
    parts, size = [], 0
    while size <= limit:
        part = stream.read(min(READ_CHUNK_BYTES, limit + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > limit:
        raise Refused(413, f"The body is over {limit:,} bytes; at most {limit:,} are accepted.",
                      f"over {limit:,}")
    body = b"".join(parts)
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def nesting_depth(raw: bytes, block: int = READ_CHUNK_BYTES) -> int:
    """How deep raw JSON nests its arrays and objects, by counting brackets outside strings:
    linear, vectorised (15-30 ms per MB), never recursive, a block at a time so that
    threads scanning bodies at once hold little besides the bodies."""
    # Escaped backslashes first, then escaped quotes: what remains of a string holds no quote.
    codes = np.frombuffer(raw.replace(b"\\\\", b"").replace(b'\\"', b""), dtype=np.uint8)
    deepest = depth = in_string = 0
    for start in range(0, len(codes), block):
        part = codes[start:start + block]
        inside = (np.cumsum(part == _QUOTE, dtype=np.int32) + in_string) & 1
        levels = np.cumsum(np.where(inside == 0, _STEP[part], 0), dtype=np.int32) + depth
        deepest, depth, in_string = max(deepest, int(levels.max())), int(levels[-1]), int(inside[-1])
    return deepest


def parse_body(raw: bytes) -> dict:
    depth = nesting_depth(raw)
    if depth > MAX_DEPTH:
        raise Refused(400, f"{REFUSED}: the body nests {depth:,} levels deep; at most {MAX_DEPTH} are accepted.",
                      f"{len(raw):,}")
    try:
        body = json.loads(raw)
    except ValueError:     # not JSON, not UTF-8, a number too long to convert
        body = None
    if not isinstance(body, dict):
        raise Refused(400, f"{REFUSED}: The body must be a JSON object.", f"{len(raw):,}")
    return body


# --- the schema, from the callback map ---------------------------------------------------

def is_pattern(component_id: object) -> bool:
    """A pattern-matching id ({"type": ..., "code": ALL}): a dict in a page's Output, but the
    JSON text of one in the callback map Dash keeps."""
    return isinstance(component_id, dict) or (isinstance(component_id, str) and component_id.startswith("{"))


def _name(dependency: dict) -> str:
    return f"{dependency['id']}.{dependency['property']}"


def value_schema(dependency: dict) -> dict:
    """The schema of the value the renderer sends for one input or state."""
    prop = dependency["property"]
    if prop not in VALUE_SCHEMAS:
        raise LookupError(f"The callback guard has no schema for the property {prop!r} (a callback takes "
                          f"{_name(dependency)}): add one to VALUE_SCHEMAS in dashboards/callback_guard.py.")
    schema = VALUE_SCHEMAS[prop]
    return {**schema, "description": f"the value of {_name(dependency)} must be {schema['description']}"}


def dependency_schema(dependency: dict, what: str, position: int) -> dict:
    """One item of 'inputs' or 'state': the declared component and property, with its value; a
    pattern-matching id (a dict) stands for one such item or a list of them."""
    pattern = is_pattern(dependency["id"])
    item = {"type": "object", "required": ["id", "property"],
            "properties": {"id": {"type": "object"} if pattern else {"const": dependency["id"]},
                           "property": {"const": dependency["property"]},
                           "value": value_schema(dependency)}}
    shown = f"an item for the pattern {dependency['property']}" if pattern else _name(dependency)
    described = {**item, "description": f"'{what}' item {position + 1} must be {shown}"}
    if pattern:
        return {**described, "type": ["object", "array"], "items": item}
    return described


def dependencies_schema(declared: list[dict], what: str) -> dict:
    if not declared:
        return {"type": "array", "maxItems": 0, "description": f"this callback takes no '{what}'"}
    return {"type": "array", "minItems": len(declared), "maxItems": len(declared),
            "prefixItems": [dependency_schema(d, what, i) for i, d in enumerate(declared)],
            "description": f"'{what}' must list, in order: " + ", ".join(_name(d) for d in declared)}


def outputs_schema(output) -> dict:
    """A single Output is sent as one {id, property}; a list of them as a list."""
    def one(dep) -> dict:
        pattern = is_pattern(dep.component_id)
        return {"type": ["object", "array"] if pattern else "object", "required": ["id", "property"],
                "properties": {"id": {"type": "object"} if pattern else {"const": dep.component_id},
                               "property": {"const": dep.component_property}}}
    if isinstance(output, (list, tuple)):
        names = ", ".join(f"{d.component_id}.{d.component_property}" for d in output)
        return {"type": "array", "minItems": len(output), "maxItems": len(output),
                "prefixItems": [one(d) for d in output], "description": f"'outputs' must list, in order: {names}"}
    return {**one(output), "description": f"'outputs' must be {output.component_id}.{output.component_property}"}


def callback_schema(key: str, spec: dict) -> dict:
    """The JSON schema of every request the renderer can send for the callback `key`."""
    inputs, state = spec.get("inputs", []), spec.get("state", [])
    pattern = any(is_pattern(d["id"]) for d in inputs)
    # With a pattern, the renderer names a changed input by its id's text, and (parsed) by the id itself.
    changed = {"type": "array", "items": {"type": ["string", "object"]} if pattern else {"enum": [_name(d) for d in inputs]},
               "description": "'changedPropIds' must list names of this callback's inputs"}
    properties = {"output": {"const": key}, "inputs": dependencies_schema(inputs, "inputs"),
                  "state": dependencies_schema(state, "state"),
                  "changedPropIds": changed, "parsedChangedPropsIds": changed}
    required = ["output", "inputs", "changedPropIds"] + (["state"] if state else [])
    if not spec.get("no_output"):
        properties["outputs"] = outputs_schema(spec["output"])
        required.insert(1, "outputs")
    return {"type": "object", "required": required, "properties": properties,
            "description": "a callback request needs " + ", ".join(f"'{name}'" for name in required)}


def explain(schema: dict, error: jsonschema_rs.ValidationError) -> str:
    """What is wrong, in the schema's words (the description of the innermost schema along the
    error's path that has one), naming any missing keys: never the value sent."""
    found, node = schema["description"], schema
    for step in list(error.schema_path)[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):    # a path this schema does not spell out
            return found
        if isinstance(node, dict) and "description" in node:
            found = node["description"]
    if error.schema_path[-1] == "required" and isinstance(error.instance, dict):
        missing = [name for name in node["required"] if name not in error.instance]
        found += " (missing: " + ", ".join(f"'{name}'" for name in missing) + ")"
    return found


class CallbackSchemas:
    """One compiled validator per callback of the app, derived from its callback map."""

    def __init__(self, app, callbacks: dict[str, dict]):
        self.app = app
        self.schemas: dict[str, tuple[dict, object]] = {}
        for key, spec in callbacks.items():
            self.schema_for(key, spec)  # a property without a schema fails at start, not later

    def schema_for(self, key: str, spec: dict | None = None):
        if key not in self.schemas:     # else a callback added after the app was built
            schema = callback_schema(key, spec or self.app.callback_map[key])
            self.schemas[key] = schema, jsonschema_rs.Draft202012Validator(schema)
        return self.schemas[key]

    def check(self, body: dict, size: str) -> None:
        key = body.get("output")
        if not isinstance(key, str) or key not in self.app.callback_map:
            raise Refused(400, f"{REFUSED}: 'output' names no callback of this app.", size)
        schema, validator = self.schema_for(key)
        try:
            validator.validate(body)
        except jsonschema_rs.ValidationError as error:
            # The schema's words, not the library's message: that one quotes the value sent.
            raise Refused(400, f"{REFUSED}: {explain(schema, error)}.", size) from None


# --- page callbacks, in every app ---------------------------------------------------------

class PageCallbacks:
    """Every app of the process gets the callbacks its pages filed with dash.callback. Dash keeps
    those, from the pages' import, in a process-wide map that the first app to serve a request
    takes for itself: any later app (tests build many) would answer its pages' callbacks, and
    list its dependencies for the browser, without them. Kept here when the app is built, they
    are added to the app on its first request, after Dash's own setup, if Dash did not."""

    _filed: dict[str, dict] = {}       # every callback filed in this process, by output
    _filed_list: list[dict] = []       # and as Dash lists them for /_dash-dependencies

    def __init__(self, app):
        self.app, self.added, self.lock = app, False, threading.Lock()
        PageCallbacks._filed.update({k: v for k, v in dash_callbacks.GLOBAL_CALLBACK_MAP.items()
                                     if k not in PageCallbacks._filed})
        listed = {c["output"] for c in PageCallbacks._filed_list}
        PageCallbacks._filed_list.extend(c for c in dash_callbacks.GLOBAL_CALLBACK_LIST if c["output"] not in listed)

    def all(self) -> dict[str, dict]:
        return {**PageCallbacks._filed, **self.app.callback_map}

    def add_missing(self) -> None:
        """Call on every request after Dash's setup (a before_request registered after Dash's)."""
        if self.added:
            return
        with self.lock:
            if not self.added:
                missing = {k: v for k, v in PageCallbacks._filed.items() if k not in self.app.callback_map}
                self.app.callback_map.update(missing)
                self.app._callback_list.extend(c for c in PageCallbacks._filed_list if c["output"] in missing)
                self.added = True


# --- answering and logging -----------------------------------------------------------------

def one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "\u2026"


def where_raised(error: BaseException, frames: int = 4) -> str:
    """'pages/funnel.py:301 in profile_href <- ...': the innermost frames, innermost first."""
    tb = error.__traceback__
    stack = []
    while tb is not None:
        stack.append(tb)
        tb = tb.tb_next
    return " <- ".join(f"{'/'.join(Path(t.tb_frame.f_code.co_filename).parts[-2:])}:{t.tb_lineno} "
                       f"in {t.tb_frame.f_code.co_name}" for t in reversed(stack[-frames:]))


def refuse(logger: logging.Logger, status: int, message: str, size: str, detail: str = ""):
    logger.warning("Refused %s %s: %s %s%s (body %s bytes)", request.method, one_line(request.path, 100),
                   status, message, f" [{detail}]" if detail else "", size)
    return jsonify({"error": message}), status


def body_size() -> str:
    declared = get_content_length(request.environ)
    return "unknown (chunked)" if declared is None else f"{declared:,}"


def guard_callback_request(schemas: CallbackSchemas, logger: logging.Logger):
    """Flask before_request for the callback endpoint: None to let Dash answer, else the 4xx."""
    try:
        if request.mimetype != "application/json":
            raise Refused(415, f"{REFUSED}: send the body as JSON (Content-Type: application/json).", body_size())
        raw = read_body(request.environ)
        schemas.check(parse_body(raw), f"{len(raw):,}")
    except Refused as refusal:
        return refuse(logger, refusal.status, refusal.message, refusal.size)
    return None


def answer_unusable_values(view, logger: logging.Logger):
    """Dash's dispatch, with a callback's failure on a value it was sent (which the schema could
    not rule out) answered 400 and logged as one line naming where it failed."""
    @wraps(view)
    def dispatch(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except UNUSABLE_VALUE_ERRORS as error:
            detail = f"{type(error).__name__}: {one_line(error)} at {where_raised(error)}"
            return refuse(logger, 400, f"{REFUSED}: the callback could not use a value it was sent.",
                          body_size(), detail)
    return dispatch
