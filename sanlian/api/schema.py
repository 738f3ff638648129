"""The OpenAPI schema names every status an operation can answer, not only its success.

drf-spectacular documents the 2xx of each operation. The errors come from the plumbing
every view shares (sanlian/api/exceptions.py), so they are derived here from the view's
own parsers, authenticators, permissions, throttles and pagination rather than written
beside each view, where they would drift:

- 400: a body or query parameter is invalid, or a page is past API_MAX_PAGE; for
  operations with a request body or query parameters.
- 401: no or a bad credential (the token's challenge); for views that authenticate, and
  the token endpoint itself (a username and password that do not match).
- 403: not allowed (role, scope, state), or a session write without its CSRF token; for
  every operation but a public read.
- 404: no such row, or out of scope; a page or cursor that does not exist; for detail
  operations and paginated lists, and for writes whose body names rows by id (a related
  field: `"resident": 7` when there is no resident 7, or none the caller may see).
- 409: the object's state refuses the write (sanlian.refusals.StateConflict), or another
  write got there first (a unique constraint); for writes.
- 415: a body in a media type the view does not parse; for writes with a body.
- 429: a throttle or the login lockout; for views with a throttle.

Every error has one shape, the `Error` component: `{"detail": ..., "errors": {field: [...]}}`.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework import serializers
from rest_framework.permissions import AllowAny

ERROR_DESCRIPTIONS = {
    "400": "请求参数或内容有误（errors 按字段列出）。Invalid input; `errors` lists it by field.",
    "401": "未提供或无效的凭据。Missing or invalid credentials (`WWW-Authenticate: Token`).",
    "403": "无权执行此操作。Not allowed for this user, scope or state.",
    "404": "找不到该记录，或无权查看；或页码、游标不存在。Not found or out of scope.",
    "409": (
        "该记录当前的状态不允许此操作，或数据已被他人同时修改。The object's state refuses it "
        "(e.g. already answered, deadline passed), or a concurrent write got there first."
    ),
    "415": "不支持的内容类型。Unsupported media type.",
    "429": "请求过于频繁，或登录已被暂时锁定。Throttled; retry after `Retry-After` seconds.",
}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Any text but the NUL character, which no PostgreSQL text holds (sanlian refuses it: 400).
NO_NUL_PATTERN = r"^[^\u0000]*$"
# What DRF's TimeField reads and writes: HH:MM, seconds and microseconds optional.
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="一句话说明错误。The error in one sentence.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="字段名 → 错误信息列表；没有字段错误时为空。Field name → messages.",
    )

    class Meta:
        ref_name = "Error"


class ErrorDocumentingSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        error = {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}
        for code in self.error_statuses():
            response = {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {"application/json": error},
            }
            if code == "429":
                response["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "秒 / seconds"}
                }
            responses.setdefault(code, response)
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if _blank_read_only_choice(field):
            # DRF drops allow_blank from read-only fields, but the model's blank choice is
            # still answered: "" belongs in the enum.
            field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            # A local time of day ("08:00:00"), which JSON Schema's `time` (RFC 3339, with
            # an offset) is not: say its shape instead.
            del schema["format"]
            schema["pattern"] = LOCAL_TIME_PATTERN
        if _non_empty_list(field):
            schema["minItems"] = max(schema.get("minItems", 0), 1)
        return schema

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query" and parameter.get("name") == "search":
                # DRF's search refuses a NUL byte (400); `ordering` and `cursor` ignore it.
                parameter["schema"]["pattern"] = NO_NUL_PATTERN
        return parameters

    def error_statuses(self) -> list[str]:
        view, method = self.view, self.method
        has_body = method in ("POST", "PUT", "PATCH")
        public = all(isinstance(p, AllowAny) for p in view.get_permissions())
        queries = [p for p in self._get_parameters() if p.get("in") == "query"]
        codes = {
            "400": has_body or bool(queries),
            # DRF's own rule: a 401 needs a challenge to send, else the refusal is a 403.
            "401": bool(view.get_authenticate_header(getattr(view, "request", None))),
            "403": not (public and method == "GET"),
            "404": "{" in self.path or self._is_paginated_list() or self._body_names_rows(),
            "409": method in WRITES,
            "415": has_body,
            "429": bool(view.get_throttles()),
        }
        return [code for code, applies in codes.items() if applies]

    def _body_names_rows(self) -> bool:
        if self.method not in ("POST", "PUT", "PATCH"):
            return False
        serializer = force_instance(self.get_request_serializer())
        return isinstance(serializer, serializers.BaseSerializer) and _names_rows(serializer)

    def _is_paginated_list(self) -> bool:
        return (
            self.method == "GET"
            and self._is_list_view()
            and getattr(self.view, "pagination_class", None) is not None
        )


def _names_rows(serializer) -> bool:
    """Whether a body this serializer reads can name a row by id (or slug)."""
    serializer = getattr(serializer, "child", serializer)
    if not hasattr(serializer, "fields"):
        return False
    for field in serializer.fields.values():
        if field.read_only:
            continue
        if isinstance(field, serializers.RelatedField | serializers.ManyRelatedField):
            return True
        if isinstance(field, serializers.BaseSerializer) and _names_rows(field):
            return True
    return False


def _blank_read_only_choice(field) -> bool:
    if not (isinstance(field, serializers.ChoiceField) and field.read_only):
        return False
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in (field.source or "") or field.source == "*":
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return bool(getattr(model_field, "blank", False))


def _non_empty_list(field) -> bool:
    lists = (serializers.ListField, serializers.ManyRelatedField, serializers.ListSerializer)
    return isinstance(field, lists) and not field.read_only and not field.allow_empty
