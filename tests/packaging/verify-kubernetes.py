#!/usr/bin/python3
# packaging/kubernetes/ is well-formed and agrees with Baton, without a cluster or kubectl:
# - every YAML document parses, has a known apiVersion/kind, and uses only fields Kubernetes
#   knows in the objects it touches (a misspelt `readinesProbe` is dropped by the API server);
# - the Deployment's selector matches its pods, the Service selects the same pods and sends
#   port 80 to the container port Baton listens on;
# - the probes ask Baton's admin routes (/readyz, /healthz) on the port of --admin-listen;
# - the timing: the lame duck outlasts the readiness probe's detection of the 503 plus the time
#   for the endpoint change to spread; terminationGracePeriodSeconds exceeds lame duck + drain;
# - the container's arguments are ones Baton accepts: the built binary starts with them (its
#   addresses swapped for free local ports) and is stopped at once.
#   verify-kubernetes.py SOURCE_DIR BATON_BINARY
# Debian's /usr/bin/python3 on purpose: scripts/install-deps installs python3-yaml for it.
import glob
import os
import re
import select
import signal
import subprocess
import sys
import time

try:
    import yaml
except ImportError:
    print("verify-kubernetes: the Python module yaml is missing (Debian package python3-yaml); "
          "run scripts/install-deps", file=sys.stderr)
    sys.exit(1)

# Seconds from the moment a pod's endpoint is marked not ready until kube-proxy on every node
# and ingress controllers have stopped sending to it: the API server, the EndpointSlice
# controller and each watcher in turn. Usually about a second; allow five.
PROPAGATION_MARGIN = 5
# terminationGracePeriodSeconds beyond lame duck + drain: start-up of the drain, exit.
GRACE_MARGIN = 5

KNOWN_KINDS = {
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
}
# Fields of the objects these manifests use (Kubernetes API reference, core/v1 and apps/v1).
FIELDS = {
    "deployment": {"apiVersion", "kind", "metadata", "spec"},
    "metadata": {"name", "namespace", "labels", "annotations"},
    "deploymentSpec": {"replicas", "selector", "strategy", "template", "minReadySeconds",
                       "revisionHistoryLimit", "progressDeadlineSeconds", "paused"},
    "podSpec": {"terminationGracePeriodSeconds", "automountServiceAccountToken",
                "enableServiceLinks", "securityContext", "containers", "initContainers",
                "serviceAccountName", "nodeSelector", "affinity", "tolerations",
                "topologySpreadConstraints", "volumes", "priorityClassName",
                "imagePullSecrets", "dnsPolicy", "restartPolicy", "shareProcessNamespace"},
    "podSecurityContext": {"runAsNonRoot", "runAsUser", "runAsGroup", "fsGroup",
                           "seccompProfile", "supplementalGroups", "sysctls"},
    "container": {"name", "image", "imagePullPolicy", "command", "args", "env", "envFrom",
                  "ports", "readinessProbe", "livenessProbe", "startupProbe", "resources",
                  "securityContext", "volumeMounts", "lifecycle", "workingDir",
                  "terminationMessagePolicy"},
    "containerPort": {"name", "containerPort", "protocol", "hostPort", "hostIP"},
    "probe": {"httpGet", "tcpSocket", "exec", "grpc", "initialDelaySeconds", "periodSeconds",
              "timeoutSeconds", "successThreshold", "failureThreshold",
              "terminationGracePeriodSeconds"},
    "httpGet": {"path", "port", "host", "scheme", "httpHeaders"},
    "containerSecurityContext": {"allowPrivilegeEscalation", "readOnlyRootFilesystem",
                                 "capabilities", "runAsNonRoot", "runAsUser", "runAsGroup",
                                 "privileged", "seccompProfile", "procMount"},
    "service": {"apiVersion", "kind", "metadata", "spec"},
    "serviceSpec": {"type", "selector", "ports", "clusterIP", "sessionAffinity",
                    "externalTrafficPolicy", "internalTrafficPolicy", "ipFamilyPolicy",
                    "publishNotReadyAddresses"},
    "servicePort": {"name", "port", "targetPort", "protocol", "nodePort", "appProtocol"},
}

failures = []


class StrictLoader(yaml.SafeLoader):
    """Refuses a key given twice in one mapping (PyYAML keeps the last; the API server refuses)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def fail(message):
    failures.append(message)


def check_fields(obj, kind, where):
    if not isinstance(obj, dict):
        fail(f"{where}: expected a mapping, got {type(obj).__name__}")
        return {}
    unknown = set(obj) - FIELDS[kind]
    if unknown:
        fail(f"{where}: unknown field(s) {sorted(unknown)}")
    return obj


def option_values(args):
    """{option: value or True} from a container's args, for --opt VALUE and --opt=VALUE."""
    values = {}
    i = 0
    while i < len(args):
        arg = str(args[i])
        if not arg.startswith("--"):
            fail(f"container args: unexpected {arg!r} (not an option)")
            i += 1
            continue
        name, eq, value = arg[2:].partition("=")
        if eq:
            values[name] = value
        elif i + 1 < len(args) and not str(args[i + 1]).startswith("--"):
            values[name] = str(args[i + 1])
            i += 1
        else:
            values[name] = True
        i += 1
    return values


def port_of(address, option):
    m = re.fullmatch(r"(.*):(\d+)", str(address))
    if not m:
        fail(f"--{option} {address!r} is not HOST:PORT (a probe needs a TCP port)")
        return None
    return int(m.group(2))


def resolve_port(port, container, where):
    """A probe's or Service's target port, by number or by the container port's name."""
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p.get("name") == port:
            return p.get("containerPort")
    fail(f"{where}: port {port!r} names no port of container {container.get('name')!r}")
    return None


def baton_accepts(baton, args):
    """Starts the built baton with the manifest's arguments on free local ports."""
    local = []
    values = iter(args)
    for arg in values:
        local.append(arg)
        if arg in ("--listen", "--admin-listen"):
            next(values, None)
            local.append("127.0.0.1:0")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "LISTEN_FDS", "LISTEN_PID",
                        "NOTIFY_SOCKET")}
    process = subprocess.Popen([baton] + local, stderr=subprocess.PIPE, env=env)
    # Raw reads: a buffered readline() could swallow the awaited line while select() waits.
    log = b""
    deadline = time.monotonic() + 10
    while b"admin routes" not in log and time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.1)
        if ready:
            chunk = os.read(process.stderr.fileno(), 65536)
            if not chunk:
                break
            log += chunk
    text = log.decode(errors="replace")
    if b"admin routes" not in log:
        if process.poll() is None:
            process.kill()
        process.wait()
        fail(f"baton {' '.join(local)} did not report its admin listener (status "
             f"{process.returncode}):\n{text}")
        process.stderr.close()
        return
    process.send_signal(signal.SIGUSR2)  # force: the 10 s lame duck is not this test's business
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        fail("baton did not exit on SIGUSR2")
    process.stderr.close()


def main():
    if len(sys.argv) != 3:
        print("usage: verify-kubernetes.py SOURCE_DIR BATON_BINARY", file=sys.stderr)
        return 2
    directory = os.path.join(sys.argv[1], "packaging", "kubernetes")
    baton = sys.argv[2]

    documents = []
    files = sorted(glob.glob(os.path.join(directory, "*.yaml")))
    for path in files:
        with open(path, encoding="utf-8") as f:
            try:
                for doc in yaml.load_all(f, Loader=StrictLoader):
                    if doc is not None:
                        documents.append((os.path.basename(path), doc))
            except yaml.YAMLError as e:
                fail(f"{path}: {e}")
    by_kind = {}
    for name, doc in documents:
        if not isinstance(doc, dict):
            fail(f"{name}: a document is not a mapping")
            continue
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key not in KNOWN_KINDS:
            fail(f"{name}: unexpected apiVersion/kind {key}")
            continue
        if key[1] != "Kustomization" and not (doc.get("metadata") or {}).get("name"):
            fail(f"{name}: {key[1]} has no metadata.name")
        by_kind.setdefault(key[1], []).append((name, doc))
    for kind in ("Deployment", "Service"):
        if len(by_kind.get(kind, [])) != 1:
            fail(f"expected one {kind}, found {len(by_kind.get(kind, []))}")
    if failures:
        return report()

    if "Kustomization" in by_kind:
        listed = sorted(by_kind["Kustomization"][0][1].get("resources", []))
        others = sorted(os.path.basename(p) for p in files
                        if os.path.basename(p) != "kustomization.yaml")
        if listed != others:
            fail(f"kustomization.yaml lists {listed}, the directory holds {others}")

    _, deployment = by_kind["Deployment"][0]
    check_fields(deployment, "deployment", "Deployment")
    check_fields(deployment.get("metadata", {}), "metadata", "Deployment.metadata")
    spec = check_fields(deployment.get("spec", {}), "deploymentSpec", "Deployment.spec")
    template = spec.get("template", {})
    check_fields(template.get("metadata", {}), "metadata", "pod template metadata")
    pod_labels = (template.get("metadata") or {}).get("labels") or {}
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    if not selector or any(pod_labels.get(k) != v for k, v in selector.items()):
        fail(f"Deployment selector {selector} does not match its pod labels {pod_labels}")
    pod = check_fields(template.get("spec", {}), "podSpec", "pod spec")
    pod_security = check_fields(pod.get("securityContext", {}), "podSecurityContext",
                                "pod securityContext")
    containers = pod.get("containers") or []
    batons = [c for c in containers if c.get("name") == "baton"]
    if len(batons) != 1:
        fail("the pod has no container named baton")
        return report()
    container = check_fields(batons[0], "container", "container baton")
    for p in container.get("ports", []):
        check_fields(p, "containerPort", "container port")

    command = [str(c) for c in container.get("command", [])]
    args = [str(a) for a in container.get("args", [])]
    if command != ["baton"]:
        fail(f"container command should be [baton], is {command}")
    options = option_values(args)
    missing = [o for o in ("headless", "listen", "admin-listen", "lame-duck", "drain-timeout")
               if o not in options]
    if missing:
        fail(f"container args lack {', '.join('--' + o for o in missing)}")
        return report()
    listen_port = port_of(options["listen"], "listen")
    admin_port = port_of(options["admin-listen"], "admin-listen")
    if not str(options["listen"]).startswith(("0.0.0.0:", "*:", "[::]:")):
        fail(f"--listen {options['listen']}: the pod's IP must be reachable, listen on 0.0.0.0")
    if not str(options["admin-listen"]).startswith(("0.0.0.0:", "*:", "[::]:")):
        fail(f"--admin-listen {options['admin-listen']}: the kubelet probes the pod's IP")
    try:
        lame_duck = float(options["lame-duck"])
        drain = float(options["drain-timeout"])
    except ValueError:
        fail(f"--lame-duck {options['lame-duck']!r} and --drain-timeout "
             f"{options['drain-timeout']!r} must be numbers of seconds")
        return report()
    container_ports = {p.get("containerPort") for p in container.get("ports", [])}
    for port, option in ((listen_port, "listen"), (admin_port, "admin-listen")):
        if port not in container_ports:
            fail(f"--{option} port {port} is not among the container's ports {container_ports}")

    # Probes: Baton's admin routes, on the admin port.
    probes = {}
    for kind, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        probe = container.get(kind)
        if not probe:
            fail(f"container baton has no {kind}")
            continue
        check_fields(probe, "probe", kind)
        http = check_fields(probe.get("httpGet") or {}, "httpGet", f"{kind}.httpGet")
        if http.get("path") != path:
            fail(f"{kind} asks {http.get('path')!r}; Baton answers it at {path}")
        port = resolve_port(http.get("port"), container, kind)
        if port != admin_port:
            fail(f"{kind} probes port {port}, but the admin routes are on {admin_port} "
                 "(--admin-listen)")
        probes[kind] = probe

    # Timing. Kubernetes' defaults where a field is left out: period 10 s, failure threshold 3.
    readiness = probes.get("readinessProbe", {})
    detection = readiness.get("periodSeconds", 10) * readiness.get("failureThreshold", 3)
    if not lame_duck >= detection + PROPAGATION_MARGIN:
        fail(f"--lame-duck {lame_duck:g} s is too short: the readiness probe needs up to "
             f"{detection} s (periodSeconds x failureThreshold) to see /readyz answer 503, and "
             f"the endpoint change takes up to {PROPAGATION_MARGIN} s more to reach kube-proxy "
             "and ingresses; until then new connections still arrive")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if not grace >= lame_duck + drain + GRACE_MARGIN:
        fail(f"terminationGracePeriodSeconds {grace} must exceed --lame-duck {lame_duck:g} + "
             f"--drain-timeout {drain:g} by {GRACE_MARGIN} s, or SIGKILL cuts the drain")
    if (container.get("lifecycle") or {}).get("preStop"):
        fail("a preStop hook delays SIGTERM and so eats into the grace period; --lame-duck "
             "already keeps serving while the endpoints change")

    # Hardening.
    security = check_fields(container.get("securityContext", {}), "containerSecurityContext",
                            "container securityContext")
    if not (security.get("runAsNonRoot") or pod_security.get("runAsNonRoot")):
        fail("runAsNonRoot is not set")
    if security.get("allowPrivilegeEscalation") is not False:
        fail("allowPrivilegeEscalation must be false")
    if security.get("readOnlyRootFilesystem") is not True:
        fail("readOnlyRootFilesystem must be true")
    if (security.get("capabilities") or {}).get("drop") != ["ALL"]:
        fail("capabilities must drop ALL")
    if listen_port < 1024 or admin_port < 1024:
        fail("ports below 1024 need NET_BIND_SERVICE, which is dropped")
    resources = container.get("resources") or {}
    if not (resources.get("requests") and (resources.get("limits") or {}).get("memory")):
        fail("container resources need requests and a memory limit")

    # Service: port 80 to the container port Baton listens on, selecting these pods.
    _, service = by_kind["Service"][0]
    check_fields(service, "service", "Service")
    check_fields(service.get("metadata", {}), "metadata", "Service.metadata")
    service_spec = check_fields(service.get("spec", {}), "serviceSpec", "Service.spec")
    service_selector = service_spec.get("selector") or {}
    if not service_selector or any(pod_labels.get(k) != v for k, v in service_selector.items()):
        fail(f"Service selector {service_selector} does not select the pods {pod_labels}")
    ports = service_spec.get("ports") or []
    for p in ports:
        check_fields(p, "servicePort", "Service port")
    http_ports = [p for p in ports if p.get("port") == 80]
    if len(http_ports) != 1:
        fail("the Service has no port 80")
    else:
        target = resolve_port(http_ports[0].get("targetPort", 80), container, "Service port 80")
        if target != listen_port:
            fail(f"Service port 80 targets {target}, Baton listens on {listen_port} (--listen)")
    for p in ports:
        if resolve_port(p.get("targetPort", p.get("port")), container, "Service") == admin_port:
            fail("the Service exposes the admin port; /metrics is not for the public")

    if not failures:
        baton_accepts(baton, args)
    return report(lame_duck, drain, detection, grace)


def report(lame_duck=None, drain=None, detection=None, grace=None):
    if failures:
        print("\n".join(failures))
        return 1
    print(f"packaging/kubernetes: lame duck {lame_duck:g} s >= readiness detection {detection} s "
          f"+ {PROPAGATION_MARGIN} s; grace {grace} s >= {lame_duck:g} + {drain:g} + "
          f"{GRACE_MARGIN} s; probes, ports and selectors agree; baton accepts the arguments")
    return 0


if __name__ == "__main__":
    sys.exit(main())
