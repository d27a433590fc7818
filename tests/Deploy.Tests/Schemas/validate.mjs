// Validates Kubernetes objects against the schemas that kubernetes-models generates from the Kubernetes
// OpenAPI document and from the KEDA, Prometheus Operator and cert-manager CRDs. Reads a JSON array of
// objects on stdin; prints one JSON line per object: {kind, name, result: valid|invalid|no-schema, errors}.
// Kinds outside these packages (GrafanaDashboard, LeaderWorkerSet, InferenceService) are "no-schema":
// the C# tests check their fields by hand.
const packages = {
  "keda.sh": "@kubernetes-models/keda/keda.sh",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator/monitoring.coreos.com",
  "cert-manager.io": "@kubernetes-models/cert-manager/cert-manager.io",
};

async function modelFor(apiVersion, kind) {
  const slash = apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  let path;
  if (packages[group]) {
    path = `${packages[group]}/${version}`;
  } else if (group === "" || !group.includes(".") || group.endsWith(".k8s.io")) {
    path = group === "" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
  } else {
    return null;
  }
  try {
    const module = await import(path);
    return module[kind] ?? null;
  } catch {
    return null;
  }
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
for (const object of JSON.parse(input)) {
  const kind = object.kind;
  const name = object.metadata?.name;
  const Model = await modelFor(object.apiVersion ?? "", kind ?? "");
  if (!Model) {
    console.log(JSON.stringify({ kind, name, apiVersion: object.apiVersion, result: "no-schema", errors: [] }));
    continue;
  }
  try {
    new Model(object).validate();
    console.log(JSON.stringify({ kind, name, apiVersion: object.apiVersion, result: "valid", errors: [] }));
  } catch (error) {
    const errors = (error.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
    console.log(JSON.stringify({ kind, name, apiVersion: object.apiVersion, result: "invalid", errors: errors.length ? errors : [String(error.message)] }));
  }
}
