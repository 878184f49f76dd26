#!/usr/bin/env python3
"""Derives the fuzz targets' seed inputs (fuzz/corpus/<target>/seed-*) from data the
repository already records: testdata/checkpoints.json, the BLS, EIP-2335, V3 and EIP-3076
vectors, the recorded OP Stack batches and blobs, and the recorded beacon API answers. Large
recordings are cut down (blobs to their non-zero prefix, batch streams to whole batches) so the
corpus stays small. Run from the repository root; rerunning rewrites the same files."""

import glob
import json
import os
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TD = os.path.join(ROOT, "testdata")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def hexfile(path):
    s = open(path).read().strip()
    return bytes.fromhex(s[2:] if s.startswith("0x") else s)


def unhex(s):
    return bytes.fromhex(s[2:] if s.startswith("0x") else s)


def load(path):
    return json.load(open(os.path.join(TD, path)))


# --- Points: Vigil is min_sig, so the vectors' 48-byte G1 "pubkeys" are Vigil signatures and
# their 96-byte G2 "signatures" are Vigil public keys.
SIG = load("vectors/bls12-381/deserialization_G1/deserialization_succeeds_correct_point.json")["input"]["pubkey"]
PK = load("vectors/bls12-381/deserialization_G2/deserialization_succeeds_correct_point.json")["input"]["signature"]
for path in sorted(glob.glob(os.path.join(TD, "vectors/bls12-381/deserialization_G*/*.json"))):
    v = json.load(open(path))["input"]
    group = os.path.basename(os.path.dirname(path))
    put("crypto_points", group + "-" + os.path.basename(path)[: -len(".json")], unhex(next(iter(v.values()))))
vectors = load("checkpoints.json")
for i, s in enumerate(vectors["signatures"][:2]):
    put("crypto_points", f"eip2537-signature-{i}", unhex(s["signature"]))
    put("crypto_points", f"eip2537-pubkey-{i}", unhex(s["pubkey"]))

# --- Wire types, from the checkpoint vectors.
cps = vectors["checkpoints"]
conflict = next(c for c in vectors["conflicts"] if c["conflict"])


def signed(i, sig=SIG):
    c = cps[i]
    return {"domain": c["domain"], "checkpoint": c["checkpoint"], "pubkey": PK, "signature": sig}


def certificate(i, non_signers):
    c = cps[i]
    return {"domain": c["domain"], "checkpoint": c["checkpoint"], "nonSigners": non_signers,
            "aggregateSignature": SIG}


a, b = conflict["a"], conflict["b"]
double = {"kind": "doubleSign", "first": signed(a), "second": signed(b)}
cert_conflict = {"kind": "certificateConflict", "offender": PK,
                 "recorded": certificate(a, []), "conflicting": certificate(b, [PK[:-2] + "00"])}
offence = {"domain": cps[a]["domain"], "pubkey": PK, "rollupId": cps[a]["checkpoint"]["rollupId"],
           "height": cps[a]["checkpoint"]["height"]}
for target in ("types_json", "api_bodies"):
    put(target, "signed-checkpoint.json", json.dumps(signed(0)))
    put(target, "evidence-double-sign.json", json.dumps(double))
    put(target, "evidence-certificate-conflict.json", json.dumps(cert_conflict))
put("types_json", "certificate.json", json.dumps(certificate(1, [PK])))
put("types_json", "offence.json", json.dumps(offence))
put("api_bodies", "batch.json", json.dumps([signed(0), signed(1), signed(2)]))
put("api_bodies", "batch-empty.json", "[]")


def c_domain(d):
    return struct.pack(">Q", int(d["l1ChainId"])) + unhex(d["verifier"]) + struct.pack(">I", int(d["operatorSetId"]))


def c_checkpoint(c):
    return (struct.pack(">QQ", int(c["rollupId"]), int(c["height"])) + unhex(c["blockHash"])
            + unhex(c["stateRoot"]) + unhex(c["daCommitment"]) + struct.pack(">Q", int(c["l1Block"])))


def c_sig(s):
    raw = unhex(s)
    return bytes([len(raw)]) + raw


def c_signed(s):
    return c_domain(s["domain"]) + c_checkpoint(s["checkpoint"]) + unhex(s["pubkey"]) + c_sig(s["signature"])


def c_cert(c):
    ns = b"".join(unhex(p) for p in c["nonSigners"])
    return (c_domain(c["domain"]) + c_checkpoint(c["checkpoint"]) + struct.pack(">I", len(c["nonSigners"]))
            + ns + c_sig(c["aggregateSignature"]))


put("types_compact", "signed-checkpoint", b"\x01\x01" + c_signed(signed(0)))
put("types_compact", "certificate", b"\x01\x02" + c_cert(certificate(1, [PK])))
put("types_compact", "evidence-double-sign", b"\x01\x03" + c_signed(signed(a)) + c_signed(signed(b)))
put("types_compact", "evidence-certificate-conflict",
    b"\x01\x04" + unhex(PK) + c_cert(cert_conflict["recorded"]) + c_cert(cert_conflict["conflicting"]))

# --- Interchange (Vigil's EIP-3076-shaped file), and two EIP-3076 files for structure.
interchange = {"metadata": {"interchangeFormatVersion": "1", "domain": cps[0]["domain"]},
               "data": [{"pubkey": PK, "signedCheckpoints": [
                   {k: cps[i]["checkpoint"][k] for k in ("rollupId", "height", "blockHash", "stateRoot")}
                   for i in range(3)]}]}
put("interchange_json", "vigil.json", json.dumps(interchange, indent=2))
for name in ("single_validator_single_block_and_attestation", "multiple_validators_same_slot_blocks"):
    steps = load(f"vectors/eip3076/{name}.json")["steps"]
    put("interchange_json", f"eip3076-{name}.json", json.dumps(steps[0]["interchange"], indent=2))

# --- Keystores: the spec vectors, and light-KDF copies so decryption is reached.
for path in ("eip2335/pbkdf2.json", "eip2335/scrypt.json", "web3-secret-storage/pbkdf2.json",
             "web3-secret-storage/scrypt.json"):
    ks = load("vectors/" + path)
    stem = path.replace("/", "-")[: -len(".json")]
    put("keystore_json", stem + ".json", json.dumps(ks, indent=2))
    light = json.loads(json.dumps(ks))
    params = light["crypto"]["kdf"]["params"] if "kdf" in light["crypto"] and isinstance(light["crypto"]["kdf"], dict) else light["crypto"]["kdfparams"]
    if "n" in params:
        params.update(n=16, r=8, p=1)
    else:
        params["c"] = 16
    put("keystore_json", stem + "-light.json", json.dumps(light))

# --- SSE: the aggregator's framing of feed entries, and the parser's own test streams.
def feed_event(seq, s):
    return {"seq": str(seq), "operator": "0x1111111111111111111111111111111111111111",
            "receivedAtMs": "1700000000000", "invalid": False, "signed": s}


stream = "".join(f"id: {n}\nevent: signature\ndata: {json.dumps(feed_event(n, signed(n - 1)))}\n\n" for n in (1, 2))
put("sse_feed", "feed", b"\x02\x07" + (": keep-alive\n\n" + stream).encode())
put("sse_feed", "feed-crlf", b"\x01\x03" + stream.replace("\n", "\r\n").encode())
put("sse_feed", "fields", b"\x17\x00" + b"\xEF\xBB\xBFretry: 2500\nid: 7\ndata: a\ndata:  b\n\n: c\nfoo: bar\ndata: \xFF\rid: 1\x00\r\r")

# --- OP Stack: blobs (non-zero prefix), batcher data items, channels, batch streams.
blobs = sorted(glob.glob(os.path.join(TD, "realdata/op-batches/blob-codec-vectors/blob*.txt")))
blobs += [os.path.join(TD, "realdata/op-batches/op-sepolia-blob-span-zlib/blob9.txt")]
for path in blobs:
    put("op_blob_codec", os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)[:-4],
        hexfile(path).rstrip(b"\0"))


def rlp_item(data, pos):
    """(payload start, payload end) of the RLP item at pos."""
    b0 = data[pos]
    if b0 < 0x80:
        return pos, pos + 1
    if b0 < 0xb8:
        return pos + 1, pos + 1 + b0 - 0x80
    if b0 < 0xc0:
        n = b0 - 0xb7
        ln = int.from_bytes(data[pos + 1:pos + 1 + n], "big")
        return pos + 1 + n, pos + 1 + n + ln
    if b0 < 0xf8:
        return pos + 1, pos + 1 + b0 - 0xc0
    n = b0 - 0xf7
    ln = int.from_bytes(data[pos + 1:pos + 1 + n], "big")
    return pos + 1 + n, pos + 1 + n + ln


def tx_input(raw):
    """Calldata of a type-2 transaction: 0x02 ‖ rlp([chainId, nonce, tip, fee, gas, to, value, data, ...])."""
    assert raw[0] == 2
    pos, end = rlp_item(raw, 1)
    for _ in range(7):
        pos = rlp_item(raw, pos)[1]
    start, stop = rlp_item(raw, pos)
    return raw[start:stop]


items = {
    "op-mainnet-singular-zlib": hexfile(os.path.join(TD, "realdata/op-batches/op-mainnet-calldata-singular-zlib/calldata.txt")),
    "op-mainnet-span-zlib": tx_input(open(os.path.join(TD, "realdata/op-batches/op-mainnet-calldata-span-zlib/raw_batcher_tx.hex"), "rb").read()),
    "op-sepolia-blob-span-zlib": hexfile(os.path.join(TD, "realdata/op-batches/op-sepolia-blob-span-zlib/blob9_decode.txt")),
}
# Inputs over ~16 KiB slow every execution (and libFuzzer's default -max_len follows the
# largest seed), so the big recordings enter cut down: whole batches of at most ~16 KiB,
# recompressed into a channel and framed as the batcher does.
for name, item in items.items():
    # One frame each: version ‖ id (16) ‖ number (2) ‖ length (4) ‖ data ‖ is_last.
    length = int.from_bytes(item[19:23], "big")
    channel = item[23:23 + length]
    stream = zlib.decompressobj().decompress(channel)
    pos, cut = 0, 0
    while pos < len(stream):
        end = rlp_item(stream, pos)[1]
        if end > len(stream) or end > 16384:
            break
        pos = cut = end
    if cut == 0:
        continue  # the first batch alone is over the size (OP Mainnet's one span batch)
    put("op_batches", name, stream[:cut])
    if len(channel) > 16384:
        channel = zlib.compress(stream[:cut], 9)
        frames = [channel[: len(channel) // 2], channel[len(channel) // 2:]]
        item = b"\0" + b"".join(
            item[1:17] + struct.pack(">HI", i, len(f)) + f + bytes([i == len(frames) - 1])
            for i, f in enumerate(frames))
    put("op_channel", name, channel)
    put("op_frames", name, item)

# The smallest input of the `is_last` finding (fuzz/README.md, "Findings"): one frame of one
# data byte whose is_last byte is 2.
put("op_frames", "is-last-byte-2", b"\0" + bytes(16) + struct.pack(">HI", 0, 1) + b"\xff\x02")

# --- Beacon API answers: genesis and spec as recorded; blobs and sidecars with short blobs.
goerli = os.path.join(TD, "realdata/beacon-api/op-service-goerli")
put("beacon_json", "genesis.json", open(os.path.join(goerli, "eth_v1_beacon_genesis_goerli.json"), "rb").read())
put("beacon_json", "spec.json", open(os.path.join(goerli, "eth_v1_config_spec_goerli.json"), "rb").read())
sidecars = json.load(open(os.path.join(TD, "realdata/beacon-api/alloy-holesky/sidecar.json")))
short = []
for s in sidecars["data"][:2]:
    s = dict(s)
    s["blob"] = "0x" + unhex(s["blob"]).rstrip(b"\0")[:64].hex()
    s.pop("kzg_commitment_inclusion_proof", None)
    short.append(s)
put("beacon_json", "blob-sidecars.json", json.dumps({"data": short}, indent=1))
put("beacon_json", "blobs.json", json.dumps({"data": [s["blob"] for s in short]}))
