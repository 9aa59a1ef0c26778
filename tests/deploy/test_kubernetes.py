"""deploy/kubernetes/ holds together, as far as a machine without Kubernetes can tell.

No cluster, Helm, image build or OAuth login runs here (the folder's README says so). What is
checked: the files parse; the names they share agree (image, volumes, services, ports,
secrets); the exchange is where everyone's nbgrader_config.py expects it; the hub's roles are
the one-server hub's; and each KubeSpawner option the Helm values set is a configurable
option of the installed kubespawner.
"""

from __future__ import annotations

import re
from typing import Any

import course_material as course
import pytest
import yaml

K8S = course.ROOT / "deploy" / "kubernetes"
HUB = course.ROOT / "deploy" / "jupyterhub"
SERVICE = course.course_id()


def documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")) if d]


def find(kind: str, name: str) -> dict[str, Any]:
    for file in ("exchange.yaml", "formgrader.yaml", "gradebook.yaml"):
        for doc in documents(file):
            if doc["kind"] == kind and doc["metadata"]["name"] == name:
                return doc
    raise AssertionError(f"no {kind} {name} in deploy/kubernetes/")


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    data = yaml.safe_load((K8S / "values.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def image_built() -> str:
    """The image name and tag the Dockerfile's build command gives."""
    match = re.search(r"docker build .* -t (\S+) \.", (K8S / "Dockerfile").read_text())
    assert match, "the Dockerfile should say how it is built"
    return match[1]


def containers() -> list[dict[str, Any]]:
    out = []
    for file in ("exchange.yaml", "formgrader.yaml", "gradebook.yaml"):
        for doc in documents(file):
            spec = doc.get("spec", {})
            template = spec.get("template", {}).get("spec", {})
            out += template.get("containers", [])
    return out


def test_every_file_parses(values: dict[str, Any]) -> None:
    """Do the values and each manifest parse, with a kind and name for each document?"""
    assert {"hub", "singleuser", "proxy"} <= set(values)
    for file in ("exchange.yaml", "formgrader.yaml", "gradebook.yaml"):
        for doc in documents(file):
            assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"]


def test_one_image_built_from_environment_yml_runs_everything(values: dict[str, Any]) -> None:
    """Is the image the Dockerfile builds the one the values and the manifests run?"""
    dockerfile = (K8S / "Dockerfile").read_text(encoding="utf-8")
    assert "environment.yml" in dockerfile and "micromamba install" in dockerfile
    built = image_built()
    image = values["singleuser"]["image"]
    assert f"{image['name']}:{image['tag']}" == built
    ours = [c["image"] for c in containers() if c["name"] != "postgres"]
    assert ours and set(ours) == {built}


def test_the_exchange_is_one_shared_volume_where_nbgrader_looks(values: dict[str, Any]) -> None:
    """Do the servers and the formgrader mount the exchange claim at nbgrader's Exchange.root?"""
    root = course.course_config(HUB / "etc-jupyter" / "nbgrader_config.py").Exchange.root
    claim = find("PersistentVolumeClaim", "nbgrader-exchange")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    spawner = values["hub"]["config"]["KubeSpawner"]
    (volume,) = [v for v in spawner["volumes"] if v["name"] == "exchange"]
    assert volume["persistentVolumeClaim"]["claimName"] == "nbgrader-exchange"
    assert {"name": "exchange", "mountPath": root} in spawner["volume_mounts"]
    formgrader = find("Deployment", "formgrader")["spec"]["template"]["spec"]
    (container,) = formgrader["containers"]
    assert {"name": "exchange", "mountPath": root} in container["volumeMounts"]
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in formgrader["volumes"]}
    assert claims["exchange"] == "nbgrader-exchange"
    find("PersistentVolumeClaim", claims["course"])


def test_the_formgrader_service_is_where_the_hub_looks(values: dict[str, Any]) -> None:
    """Does the hub's service URL name the formgrader Service, at the port its pod serves?"""
    url = values["hub"]["services"][SERVICE]["url"]
    host, port = re.fullmatch(r"http://([a-z0-9-]+):(\d+)", url).groups()  # type: ignore[union-attr]
    service = find("Service", host)
    assert [p["port"] for p in service["spec"]["ports"]] == [int(port)]
    (container,) = find("Deployment", host)["spec"]["template"]["spec"]["containers"]
    assert f"--port={port}" in container["command"]
    env = {e["name"]: e for e in container["env"]}
    assert env["JUPYTERHUB_SERVICE_NAME"]["value"] == SERVICE
    token = env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert token == {"name": "hub", "key": f"hub.services.{SERVICE}.apiToken"}


def test_the_gradebook_is_the_postgresql_service(values: dict[str, Any]) -> None:
    """Does the formgrader's gradebook URL come from the secret the PostgreSQL pod uses?"""
    (container,) = find("Deployment", "formgrader")["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    url = env["IAMLAB_GRADEBOOK_URL"]["valueFrom"]["secretKeyRef"]
    (postgres,) = find("StatefulSet", "gradebook")["spec"]["template"]["spec"]["containers"]
    pg_env = {e["name"]: e for e in postgres["env"]}
    assert url["name"] == pg_env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"]
    assert find("Service", "gradebook")["spec"]["ports"][0]["port"] == 5432
    grader = (HUB / "grader-jupyter" / "nbgrader_config.py").read_text(encoding="utf-8")
    assert 'os.environ["IAMLAB_GRADEBOOK_URL"]' in grader


def test_roles_and_groups_are_the_one_server_hubs(values: dict[str, Any]) -> None:
    """Are the formgrade and server roles those of deploy/jupyterhub/jupyterhub_config.py?"""
    one_server = course.course_config(HUB / "jupyterhub_config.py").JupyterHub.load_roles
    roles = values["hub"]["loadRoles"]
    for role in one_server:
        assert sorted(roles[role["name"]]["scopes"]) == sorted(role["scopes"])
        assert roles[role["name"]].get("groups", []) == role.get("groups", [])
    assert values["hub"]["config"]["Authenticator"]["manage_groups"] is True


def test_kubespawner_options_exist_in_the_installed_kubespawner(values: dict[str, Any]) -> None:
    """Is every KubeSpawner option the values set a configurable trait of kubespawner?"""
    from kubespawner import KubeSpawner

    known = set(KubeSpawner.class_trait_names(config=True))
    options = set(values["hub"]["config"]["KubeSpawner"])
    assert options, "the values set KubeSpawner options"
    for snippet in values["hub"].get("extraConfig", {}).values():
        options |= set(re.findall(r"\bc\.KubeSpawner\.(\w+)", snippet))
    assert "uid" in options, "each student's server should get a uid of its own"
    assert options - known == set()
