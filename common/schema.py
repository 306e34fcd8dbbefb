"""OpenAPI generation: document the error answers every endpoint can give, so that clients
(and the schemathesis run) know them: 400 field -> messages, 401, 403, 404 outside scope."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_basic_type, build_object_type
from drf_spectacular.types import OpenApiTypes

DETAIL = build_object_type(
    properties={"detail": build_basic_type(OpenApiTypes.STR)},
    description="错误说明 / error detail",
)
VALIDATION = build_object_type(
    description="字段 -> 错误信息列表 (non_field_errors: 整体错误) / field -> list of messages",
    additionalProperties={},
)


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        responses.setdefault("400", _json(VALIDATION, "输入有误 / invalid input"))
        if self.get_auth():
            responses.setdefault("401", _json(DETAIL, "未登录或令牌无效 / not authenticated"))
            if self.method not in ("GET", "HEAD", "OPTIONS"):
                responses.setdefault("403", _json(DETAIL, "可见但无权修改 / visible but not changeable"))
        # Objects outside the caller's scope, and pages past the end of a list.
        responses.setdefault("404", _json(DETAIL, "不存在或不在权限范围内 / missing or outside scope"))
        return responses
