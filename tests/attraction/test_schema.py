from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


def test_attraction_endpoints_are_in_a_valid_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    for path in ["/api/v1/attraction/pools/", "/api/v1/attraction/flows/", "/api/v1/attraction/records/",
                 "/api/v1/attraction/follow-ups/", "/api/v1/signing-events/", "/api/v1/signing-events/{id}/lines/",
                 "/api/v1/start-events/", "/api/v1/capital/", "/api/v1/targets/", "/api/v1/bulletins/",
                 "/api/v1/bulletins/{id}/pdf/", "/api/v1/bulletins/{id}/xlsx/"]:  # fmt: skip
        assert path in paths, path
    assert "202" in paths["/api/v1/bulletins/"]["post"]["responses"]
    money = schema["components"]["schemas"]["Capital"]["properties"]["amount"]
    assert money["type"] == "string" and money["format"] == "decimal"


def test_the_level_choice_sets_have_their_own_names():
    """Three choice sets are called "level": each gets a meaningful component name, none a hashed one."""
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert schemas["OrgLevelEnum"]["enum"] == ["city", "county", "zone"]
    assert schemas["TaskForceLevelEnum"]["enum"] == ["city", "county"]
    assert schemas["ParticipantInputRequest"]["properties"]["level"] == {"$ref": "#/components/schemas/OrgLevelEnum"}
    assert schemas["TaskForceInputRequest"]["properties"]["level"] == {
        "$ref": "#/components/schemas/TaskForceLevelEnum"
    }
    assert schemas["FollowUpRequest"]["properties"]["level"] == {"$ref": "#/components/schemas/CadenceLevelEnum"}
    assert not [name for name in schemas if name.startswith("Level")]
