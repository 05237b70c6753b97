"""A deterministic synthetic cluster: N services, each a Deployment, Service, HPA,
ExternalSecret and ConfigMap, plus the one ClusterSecretStore they all read from; and a wide
object: one Deployment carrying thousands of labels and annotations.

Sizes, ports, replica counts and probe settings vary with the service number (not with a
random seed), so the same N always gives the same bytes and the templates are not all alike.
"""

from __future__ import annotations

from pathlib import Path

NAMESPACE = "bench"
STORE = """\
apiVersion: external-secrets.io/v1beta1
kind: ClusterSecretStore
metadata:
  name: aws-secrets-manager
spec:
  provider:
    aws:
      service: SecretsManager
      region: us-east-1
"""

# (cpu, memory) pairs that are all valid Fargate requests once rounded up
SIZES = [("250m", "512Mi"), ("500m", "1Gi"), ("1", "2Gi"), ("2", "4Gi"), ("250m", "1Gi")]


def service(i: int) -> str:
    """The five manifests of service number i, as one YAML stream."""
    name = f"svc-{i:05d}"
    cpu, memory = SIZES[i % len(SIZES)]
    port = 8000 + i % 1000
    return f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: {NAMESPACE}
data:
  LOG_LEVEL: {"debug" if i % 3 == 0 else "info"}
  UPSTREAM_URL: http://svc-{(i + 1):05d}.{NAMESPACE}.svc.cluster.local:{8000 + (i + 1) % 1000}
  FEATURE_FLAGS: "a,b,{i % 7}"
---
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: {name}-secrets
  namespace: {NAMESPACE}
spec:
  refreshInterval: 1h
  secretStoreRef:
    name: aws-secrets-manager
    kind: ClusterSecretStore
  target:
    name: {name}-secrets
  data:
    - secretKey: DB_PASSWORD
      remoteRef:
        key: {NAMESPACE}/{name}/database
        property: password
    - secretKey: API_TOKEN
      remoteRef:
        key: {NAMESPACE}/{name}/token
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {NAMESPACE}
  labels:
    app: {name}
spec:
  replicas: {1 + i % 3}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: app
          image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:1.{i % 10}.0
          ports:
            - name: http
              containerPort: {port}
          envFrom:
            - configMapRef:
                name: {name}-config
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {name}-secrets
                  key: DB_PASSWORD
            - name: API_TOKEN
              valueFrom:
                secretKeyRef:
                  name: {name}-secrets
                  key: API_TOKEN
          resources:
            requests:
              cpu: {cpu}
              memory: {memory}
            limits:
              memory: {memory}
          readinessProbe:
            httpGet:
              path: /ready
              port: http
            periodSeconds: {5 + i % 10}
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {NAMESPACE}
spec:
  selector:
    app: {name}
  ports:
    - name: http
      port: 80
      targetPort: http
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
  namespace: {NAMESPACE}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: {1 + i % 3}
  maxReplicas: {4 + i % 6}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {50 + i % 40}
"""


def generate(n: int, folder: Path) -> list[Path]:
    """Write the store and N services, one file each, into folder; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "00-secret-store.yaml"]
    paths[0].write_text(STORE, encoding="utf-8")
    for i in range(n):
        path = folder / f"svc-{i:05d}.yaml"
        path.write_text(service(i), encoding="utf-8")
        paths.append(path)
    return paths


def generate_wide(keys: int, folder: Path) -> Path:
    """One service whose Deployment carries `keys` metadata keys, half labels and half
    annotations: the fields of one object grow instead of the number of objects."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = "".join(f"    label-{k:05d}: value-{k}\n" for k in range(keys // 2))
    annotations = "".join(f"    example.com/note-{k:05d}: note {k}\n" for k in range(keys - keys // 2))
    text = STORE + "---\n" + service(0).replace(
        "  labels:\n    app: svc-00000\n",
        f"  labels:\n    app: svc-00000\n{labels}  annotations:\n{annotations}", 1)
    path = folder / "wide.yaml"
    path.write_text(text, encoding="utf-8")
    return path
