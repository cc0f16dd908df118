#!/usr/bin/env python3
"""Row 9 of BENCHMARKS.md (keyless images) from what bench/keyless.sh left in a results folder:
bench/report.py includes them; alone it prints them as a Markdown table with their notes.

Usage: bench/keyless_rows.py RESULTS_DIR
"""
import json
import os
import statistics
import sys

# The requests a keyless `.sig` signature needs at least, per image: the image's manifest, the
# `.sig` manifest (its layer's annotations carry the certificate, the chain and the Rekor entry
# with its signed entry timestamp: nothing more to fetch) and the payload blob.
FLOOR = 3
FLOOR_NAMED = "manifest, `.sig` manifest, payload blob"


def _env(res):
    out = {}
    try:
        with open(os.path.join(res, "keyless.env")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    out[k] = v
    except OSError:
        pass
    return out


def _hf(res, name):
    """{command name: (median, min, max) seconds} of a hyperfine result."""
    try:
        with open(os.path.join(res, name)) as f:
            results = json.load(f)["results"]
    except (OSError, KeyError, ValueError):
        return {}
    return {r["command"]: (statistics.median(r["times"]), min(r["times"]), max(r["times"]))
            for r in results}


def _yes(ok):
    return "**yes**" if ok else "**no**"


def rows_and_notes(res):
    """(rows, notes) for the keyless measurements in `res`; both empty when it has none."""
    k = _env(res)
    if not k:
        return [], []
    rows, notes = [], []
    n, sample = int(k["n"]), int(k["sample"])
    cold, again, cosign = int(k["vouch_cold"]), int(k["vouch_again"]), int(k["cosign"])
    warm = int(k["batch_total"]) / n
    rows.append(("9", "keyless: HTTP requests, one `vouch verify` of a keyless-signed image (new process, never fetched before)",
                 f"{cold}", f"exact count; same image again: {again}",
                 f"cosign {cosign}; floor {FLOOR} ({FLOOR_NAMED})",
                 f"{cold / cosign:.2f}× cosign" if cosign else "—", f"floor ({FLOOR})", _yes(cold <= FLOOR)))
    rows.append(("9", f"keyless: HTTP requests per image, warm (a `vouch verify --file` batch of {n})",
                 f"{warm:.2f}", f"batch total {k['batch_total']}", f"cosign {cosign}; floor {FLOOR}",
                 f"{warm / cosign:.2f}× cosign" if cosign else "—", f"floor ({FLOOR})", _yes(warm <= FLOOR + 0.0001)))
    batch = list(_hf(res, "keyless-batch-vouch.json").values())
    loop = list(_hf(res, "keyless-batch-cosign.json").values())
    if batch and loop:
        v, c = batch[0], loop[0]
        vr, cr = n / v[0], sample / c[0]
        rows.append(("9", f"keyless: batch of {n} keyless-signed images, one `vouch verify --file`",
                     f"{vr:.0f} images/s ({v[0]:.2f} s)", f"{n / v[2]:.0f}–{n / v[1]:.0f} images/s",
                     f"cosign verify one by one ({sample} images, same roots and identity): {cr:.1f} images/s",
                     f"**{vr / cr:.0f}×** cosign", "≥ 10× cosign", _yes(vr / cr >= 10)))
    single = _hf(res, "keyless-single.json")
    if "vouch" in single and "cosign" in single:
        v, c = single["vouch"], single["cosign"]
        rows.append(("9", "keyless: one `vouch verify IMAGE` of a keyless-signed image as a new process (wall time)",
                     f"{v[0] * 1e3:.1f} ms", f"{v[1] * 1e3:.1f}–{v[2] * 1e3:.1f} ms",
                     f"cosign {c[0] * 1e3:.1f} ms (same roots, same identity)",
                     f"**{v[0] / c[0]:.2f}×** cosign", "≤ 0.33× cosign", _yes(v[0] / c[0] <= 1 / 3)))
    notes.append(
        f"- **Keyless (9).** `bench/keyless.sh` mints {n + 2} images (`crates/core/examples/mint-keyless.rs`, "
        f"{k.get('mint_secs', '?')} s), each signed keyless as cosign 2.x signs it: a `.sig` layer with its own "
        f"Fulcio-style leaf certificate (a GitHub Actions workflow identity, embedded SCT), the CA chain and a "
        f"Rekor signed entry timestamp, from a local Sigstore-like instance (`vouch_core::sigstore::testing`). "
        f"Vouch trusts the identity with the instance's trusted root (`vouch trust-root add`, `vouch identity add "
        f"--trusted-root`); cosign 2.5 is given the same roots (`SIGSTORE_ROOT_FILE`, `SIGSTORE_REKOR_PUBLIC_KEY`, "
        f"`SIGSTORE_CT_LOG_PUBLIC_KEY_FILE`) and the same identity (`--certificate-identity`, "
        f"`--certificate-oidc-issuer`); both accept the images and refuse another workflow's signature before "
        f"anything is timed. The request floor is {FLOOR} per image ({FLOOR_NAMED}): the certificate, chain "
        f"and log entry travel in the `.sig` layer's annotations, and verification is offline against the trusted "
        f"root, so no request goes to Fulcio, Rekor or a TUF repository.")
    return rows, notes


if __name__ == "__main__":
    rows, notes = rows_and_notes(sys.argv[1])
    if not rows:
        sys.exit(f"keyless_rows: no keyless results in {sys.argv[1]}")
    print("| # | measure | Vouch (median) | spread | peer / floor, same run | ratio | target | met? |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    print("\n".join(notes))
