"""The cluster deployment: current, valid against the schemas, and walled as promised."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from .conftest import (
    BACKEND_NAMES,
    DEPLOY,
    DOCS,
    SERVICE_NAMES,
    files_needed_to_start,
    settings_fields,
)

MANIFEST = DEPLOY / "k8s" / "ombuds.yaml"
# The oldest Kubernetes release still in the providers' support windows, and the newest known.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
# Who may open a connection to whom (port 8000), beyond the gateway: the peer calls.
CALLERS = {
    "intake": {"gateway", "cases", "mediation"},  # mediation seals and reads its parties
    "cases": {"gateway", "intake"},
    # intake's directory pushes office and roster changes (ombuds_shared.directory)
    "mediation": {"gateway", "cases", "intake"},
    "analytics": {"gateway", "intake"},
}


DOCUMENTS: list[dict[str, Any]] = list(yaml.safe_load_all(MANIFEST.read_text()))


def _of(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in DOCUMENTS if d["kind"] == kind}


def _containers(pod_spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from pod_spec.get("initContainers", [])
    yield from pod_spec["containers"]


def _pod_specs() -> Iterator[tuple[str, dict[str, Any]]]:
    for kind in ("Deployment", "Job"):
        for name, document in _of(kind).items():
            yield name, document["spec"]["template"]["spec"]


def test_the_committed_manifest_is_what_the_generator_writes() -> None:
    generator = DEPLOY / "k8s" / "generate.py"
    result = subprocess.run(
        [sys.executable, str(generator), "--check"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates_against_the_kubernetes_schemas(version: str) -> None:
    assert len(DOCUMENTS) > 30
    for document in DOCUMENTS:
        kubernetes_validate.validate(document, version, strict=True)


def test_the_validator_rejects_a_broken_object() -> None:
    broken = yaml.safe_load(yaml.safe_dump(_of("Deployment")["ombuds-cases"]))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["paht"] = "/"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


KUBECTL = shutil.which("kubectl")


def _kustomize(folder: Path) -> list[dict[str, Any]]:
    assert KUBECTL is not None
    result = subprocess.run([KUBECTL, "kustomize", str(folder)], capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return list(yaml.safe_load_all(result.stdout))


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (with its built-in kustomize) is missing")
def test_the_kustomize_base_and_an_overlay_render_valid_objects() -> None:
    def names(documents: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return sorted((d["kind"], d["metadata"]["name"]) for d in documents)

    assert names(_kustomize(DEPLOY / "k8s")) == names(DOCUMENTS)
    overlay = _kustomize(DEPLOY / "overlays" / "example")
    assert names(overlay) == names(DOCUMENTS)
    for document in overlay:
        kubernetes_validate.validate(document, KUBERNETES_VERSIONS[-1], strict=True)
    pods = [d["spec"]["template"]["spec"] for d in overlay if d["kind"] in ("Deployment", "Job")]
    images = {c["image"] for pod in pods for c in _containers(pod)}
    assert images == {f"registry.office.example/ombuds/ombuds-{s}:0.1.1" for s in SERVICE_NAMES}
    gateway = [d for d in overlay if d["metadata"]["name"] == "ombuds-gateway"]
    replicas = {d["kind"]: d["spec"].get("replicas", d["spec"].get("minReplicas")) for d in gateway}
    assert replicas["Deployment"] == replicas["HorizontalPodAutoscaler"] == 3


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_service_is_replicated_probed_bounded_and_autoscaled(service: str) -> None:
    deployment = _of("Deployment")[f"ombuds-{service}"]
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"].rsplit(":", 1)[0].endswith(f"/ombuds-{service}")
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert {p["name"]: p["containerPort"] for p in container["ports"]}["http"] == 8000
    for side in ("requests", "limits"):
        assert set(container["resources"][side]) == {"cpu", "memory"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["automountServiceAccountToken"] is False
    hpa = _of("HorizontalPodAutoscaler")[f"ombuds-{service}"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == f"ombuds-{service}"
    assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"]
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    service_object = _of("Service")[f"ombuds-{service}"]
    assert service_object["spec"]["selector"].items() <= pod_labels(deployment).items()


def pod_labels(deployment: dict[str, Any]) -> dict[str, str]:
    return dict(deployment["spec"]["template"]["metadata"]["labels"])


@pytest.mark.parametrize("service", BACKEND_NAMES)
def test_each_database_is_migrated_by_a_job_before_pods_serve(service: str) -> None:
    job = _of("Job")[f"ombuds-{service}-migrate"]
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    deployment = _of("Deployment")[f"ombuds-{service}"]
    pod = deployment["spec"]["template"]["spec"]
    assert migrate["command"] == ["python", "-m", f"{service}.migrate"]
    assert migrate["image"] == pod["containers"][0]["image"]
    (wait,) = pod["initContainers"]
    assert f"python -m {service}.migrate --check" in " ".join(wait["command"])
    database = {e["name"]: e for e in migrate["env"]}[f"OMBUDS_{service.upper()}_DATABASE_URL"]
    assert database["valueFrom"]["secretKeyRef"]["name"] == f"ombuds-{service}-db"


def test_keys_come_from_secrets_and_every_reference_resolves() -> None:
    secrets = {name: set(d["stringData"]) for name, d in _of("Secret").items()}
    config_maps = {name: set(d["data"]) for name, d in _of("ConfigMap").items()}
    for name, pod in _pod_specs():
        for container in _containers(pod):
            for env in container.get("env", []):
                source = env.get("valueFrom", {})
                if "secretKeyRef" in source:
                    ref = source["secretKeyRef"]
                    assert ref["key"] in secrets[ref["name"]], (name, env["name"])
                if "configMapKeyRef" in source:
                    ref = source["configMapKeyRef"]
                    assert ref["key"] in config_maps[ref["name"]], (name, env["name"])
                if env["name"].endswith(("MASTER_KEYS", "DATABASE_URL", "PSEUDONYM_KEY")):
                    assert "secretKeyRef" in source, f"{env['name']} must come from a Secret"
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                assert volume["secret"]["secretName"] in secrets, name
    for service in SERVICE_NAMES:
        assert secrets[f"ombuds-{service}-signing-key"] == {"signing.pem"}
    for service in ("intake", "cases", "mediation"):
        assert secrets[f"ombuds-{service}-master-keys"] == {"keys"}
    # One pseudonym key for all gateway replicas; mediation's certificate keys of its own.
    assert secrets["ombuds-gateway-pseudonym-key"] == {"key"}
    assert secrets["ombuds-mediation-certificate-keys"] == {"certificate-signing.pem"}


def test_every_variable_set_is_a_setting_the_service_reads() -> None:
    for name, pod in _pod_specs():
        service = name.removeprefix("ombuds-").removesuffix("-migrate")
        known = settings_fields(service)
        for container in _containers(pod):
            for env in container.get("env", []):
                assert env["name"] in known, f"{name}: {env['name']} is not a setting"


# --- NetworkPolicies, evaluated as the cluster would ------------------------------------


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "only matchLabels selectors are evaluated here"
    return selector.get("matchLabels", {}).items() <= labels.items()


def _admits(peer: dict[str, Any], namespace: str, labels: dict[str, str]) -> bool:
    in_namespace = namespace == "ombuds"
    if "namespaceSelector" in peer:
        namespace_labels = {"kubernetes.io/metadata.name": namespace}
        if not _selects(peer["namespaceSelector"], namespace_labels):
            return False
        return "podSelector" not in peer or _selects(peer["podSelector"], labels)
    return in_namespace and _selects(peer["podSelector"], labels)


def reachable(source: tuple[str, dict[str, str]], target: dict[str, str], port: int) -> bool:
    """Whether a pod (namespace, labels) may connect to a pod of ours on `port`."""
    policies = [
        p["spec"]
        for p in _of("NetworkPolicy").values()
        if "Ingress" in p["spec"]["policyTypes"] and _selects(p["spec"]["podSelector"], target)
    ]
    assert policies, "every pod must be covered by a policy (default deny)"
    namespace, labels = source
    for policy in policies:
        for rule in policy.get("ingress", []):
            ports = rule.get("ports")
            if ports is not None and not any(p["port"] == port for p in ports):
                continue
            peers = rule.get("from")
            if peers is None or any(_admits(peer, namespace, labels) for peer in peers):
                return True
    return False


def _pod(service: str) -> dict[str, str]:
    return pod_labels(_of("Deployment")[f"ombuds-{service}"])


def test_network_policies_admit_only_the_listed_callers() -> None:
    strangers = [
        ("ombuds", {"app": "debug-shell"}),
        ("default", _pod("gateway")),  # a gateway's labels in another namespace
        ("monitoring", {"app": "prometheus"}),
        ("ombuds", pod_labels_of_job("cases")),
    ]
    for target, callers in CALLERS.items():
        for source in SERVICE_NAMES:
            allowed = reachable(("ombuds", _pod(source)), _pod(target), 8000)
            assert allowed == (source in callers), f"{source} -> {target}: {allowed}"
        for stranger in strangers:
            assert not reachable(stranger, _pod(target), 8000), (stranger, target)
    # Analytics hears from the gateway, and from intake's directory (whose token opens the
    # office route only: its ingestion takes the gateway's event tokens and nothing else).
    analytics = _pod("analytics")
    senders = {s for s in SERVICE_NAMES if reachable(("ombuds", _pod(s)), analytics, 8000)}
    assert senders == {"gateway", "intake"}
    # The gateway is the public entry; monitoring reaches only the metrics port.
    assert reachable(("ingress-nginx", {"app": "controller"}), _pod("gateway"), 8000)
    for service in SERVICE_NAMES:
        assert reachable(("monitoring", {"app": "prometheus"}), _pod(service), 9100)
        assert not reachable(("default", {"app": "prometheus"}), _pod(service), 9100)


def pod_labels_of_job(service: str) -> dict[str, str]:
    return dict(_of("Job")[f"ombuds-{service}-migrate"]["spec"]["template"]["metadata"]["labels"])


def test_the_ingress_exposes_only_the_public_routes() -> None:
    (ingress,) = _of("Ingress").values()
    paths = {p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    assert "/v1" in paths
    assert not {p for p in paths if p.startswith(("/internal", "/metrics", "/ready", "/health"))}
    assert paths.isdisjoint({"/"})
    # ...and every one of them: the documented API (the probes aside) and the pages users open.
    documented = json.loads((DOCS / "openapi.json").read_text())["paths"].keys()
    documented -= {"/health", "/ready"}
    pages = ("/graphql", "/docs", "/redoc", "/openapi.json", "/.well-known/jwks.json")
    unreachable = [
        path
        for path in [*documented, *pages]
        if not any(path == prefix or path.startswith(prefix + "/") for prefix in paths)
    ]
    assert unreachable == []


def _value_of(env: dict[str, Any]) -> str:
    """A variable's value as the pod gets it: literal, or the placeholder its Secret or
    ConfigMap holds in the manifest."""
    if "value" in env:
        return str(env["value"])
    source = env["valueFrom"]
    if "secretKeyRef" in source:
        ref = source["secretKeyRef"]
        return str(_of("Secret")[ref["name"]]["stringData"][ref["key"]])
    ref = source["configMapKeyRef"]
    return str(_of("ConfigMap")[ref["name"]]["data"][ref["key"]])


def _mounted(pod: dict[str, Any], container: dict[str, Any], path: Path) -> bool:
    """Whether `path` exists in the container: a mounted folder, or a key of a mounted
    Secret or ConfigMap."""
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        folder = Path(mount["mountPath"])
        if path == folder:
            return True
        if path.parent != folder:
            continue
        volume = volumes[mount["name"]]
        if "secret" in volume:
            return path.name in _of("Secret")[volume["secret"]["secretName"]]["stringData"]
        if "configMap" in volume:
            return path.name in _of("ConfigMap")[volume["configMap"]["name"]]["data"]
        return "emptyDir" not in volume
    return False


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_each_pod_has_every_setting_and_key_file_production_requires(service: str) -> None:
    for kind in ("Deployment", "Job"):
        document = _of(kind).get(f"ombuds-{service}" + ("-migrate" if kind == "Job" else ""))
        if document is None:
            continue
        pod = document["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        env = {e["name"]: _value_of(e) for e in container["env"]}
        for path in files_needed_to_start(service, env, migration=kind == "Job"):
            assert _mounted(pod, container, path), f"{service}: {path} is not in the pod"
