"""A pod spec on Fargate, one module per concern; `spec.map_pod` composes them for the rules
that run pods (Deployment, StatefulSet, Job, CronJob, through workload_stack):

- state: the pod being mapped and what its parts share (where it goes, the secrets it reads);
- containers: container definitions, their order and essential flags (init containers,
  native sidecars), commands, lifecycle hooks;
- ports: the port mappings, declared or reached (a Service's targetPort, a probe's port);
- env: env and envFrom values, ConfigMap and Secret references, the DNS rewrite of values;
- probes: container health checks, target-group health checks, grace periods;
- resources: CPU, memory and ephemeral storage, and the Fargate task size;
- security: security contexts and Linux capabilities;
- pod_level: pull credentials, runtime platform, service account, stop timeout, the pod
  fields that mean nothing on Fargate;
- volumes, claims, volume_files, mounts: what backs each volume, and where containers mount it;
- reads: which workloads read a ConfigMap or Secret.

Each takes the models and returns plain data (container definitions, task properties); the
ledger entries they record are the pod's, through the shared state.
"""
