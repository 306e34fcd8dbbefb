def test_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到。"}


def test_known_paths_still_route(client):
    assert client.get("/api/v1/open-data/projects/").status_code == 200
