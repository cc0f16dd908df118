#!/usr/bin/env python3
"""Validate every document of FILE (or - for stdin) against CRD, strictly (unknown fields rejected).

Exit 0 when all documents validate; otherwise print each error and exit 1.
"""
import copy
import sys

import jsonschema
import yaml


def strict(node):
    if isinstance(node, dict):
        if "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields"):
            node.setdefault("additionalProperties", False)
        for v in node.values():
            strict(v)
    elif isinstance(node, list):
        for v in node:
            strict(v)


def main():
    crd_path, doc_path = sys.argv[1], sys.argv[2]
    crd = next(d for d in yaml.safe_load_all(open(crd_path)) if d)
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    text = sys.stdin.read() if doc_path == "-" else open(doc_path).read()
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    if not docs:
        print("no document to validate")
        return 1
    errors = 0
    for i, doc in enumerate(docs):
        api = doc.get("apiVersion", "")
        g, _, version = api.partition("/")
        if g != group or doc.get("kind") != kind:
            print(f"document {i}: {api} {doc.get('kind')} is not a {group} {kind}")
            errors += 1
            continue
        served = [v for v in crd["spec"]["versions"] if v["name"] == version and v.get("served")]
        if not served:
            print(f"document {i}: version {version} is not served by the CRD")
            errors += 1
            continue
        schema = copy.deepcopy(served[0]["schema"]["openAPIV3Schema"])
        schema.setdefault("properties", {})
        for k in ("apiVersion", "kind"):
            schema["properties"].setdefault(k, {"type": "string"})
        schema["properties"].setdefault("metadata", {"type": "object"})
        strict(schema)
        for e in jsonschema.Draft4Validator(schema).iter_errors(doc):
            print(f"document {i} ({doc.get('metadata', {}).get('name')}): {'/'.join(map(str, e.path))}: {e.message}")
            errors += 1
    print(f"{len(docs)} document(s), {errors} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
