//! Public vectors: ethereum/bls12-381-tests deserialization cases and the RFC 9380 hash-to-curve
//! and expand_message_xmd vectors. Each test counts the cases it ran, so a missing or skipped
//! file fails it.

use std::fs;

use serde_json::Value;
use vigil_crypto::{PublicKey, Signature, h2c};

use crate::{hex, vectors_dir};

fn cases(dir: &str) -> Vec<(String, Value)> {
    let mut out: Vec<_> = fs::read_dir(vectors_dir().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_slice(&fs::read(&path).unwrap()).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every G1 case of `deserialization_G1` (G1 is Vigil's signature group).
#[test]
fn deserialization_g1() {
    let cases = cases("bls12-381/deserialization_G1");
    assert_eq!(cases.len(), 16, "expected all 16 deserialization_G1 cases");
    for (name, case) in &cases {
        let input = hex(case["input"]["pubkey"].as_str().unwrap());
        let expected = case["output"].as_bool().unwrap();
        let got = Signature::decode(&input);
        assert_eq!(got.is_ok(), expected, "{name}: {got:?}");
        if let Ok(sig) = got {
            // Round trip in the encoding it came in.
            let again = if input.len() == 48 {
                sig.to_compressed().to_vec()
            } else {
                sig.to_uncompressed().to_vec()
            };
            assert_eq!(again, input, "{name}");
            // The identity decodes but is never accepted.
            assert_eq!(Signature::from_bytes(&input).is_err(), sig.is_identity(), "{name}");
        }
    }
}

/// Every G2 case of `deserialization_G2` (G2 is Vigil's public-key group).
#[test]
fn deserialization_g2() {
    let cases = cases("bls12-381/deserialization_G2");
    assert_eq!(cases.len(), 18, "expected all 18 deserialization_G2 cases");
    for (name, case) in &cases {
        let input = hex(case["input"]["signature"].as_str().unwrap());
        let expected = case["output"].as_bool().unwrap();
        let got = PublicKey::decode(&input);
        assert_eq!(got.is_ok(), expected, "{name}: {got:?}");
        if let Ok(pk) = got {
            assert_eq!(pk.to_compressed().to_vec(), input, "{name}");
            assert_eq!(PublicKey::from_bytes(&input).is_err(), pk.is_identity(), "{name}");
        }
    }
}

fn expand_cases(file: &str) -> usize {
    let v: Value =
        serde_json::from_slice(&fs::read(vectors_dir().join("hash-to-curve").join(file)).unwrap())
            .unwrap();
    let dst = v["DST"].as_str().unwrap().as_bytes();
    let tests = v["tests"].as_array().unwrap();
    for t in tests {
        let msg = t["msg"].as_str().unwrap().as_bytes();
        let len =
            usize::from_str_radix(t["len_in_bytes"].as_str().unwrap().trim_start_matches("0x"), 16)
                .unwrap();
        let out = h2c::expand_message_xmd(msg, dst, len).unwrap();
        assert_eq!(
            out,
            hex(t["uniform_bytes"].as_str().unwrap()),
            "{file}: msg {:?} len {len}",
            t["msg"]
        );
    }
    tests.len()
}

#[test]
fn expand_message_xmd_vectors() {
    assert_eq!(expand_cases("expand_message_xmd_SHA256_38.json"), 10);
    // The 256-byte DST exercises the oversize-DST rule.
    assert_eq!(expand_cases("expand_message_xmd_SHA256_256.json"), 10);
    assert!(h2c::expand_message_xmd(b"", b"dst", 255 * 32 + 1).is_none());
}

fn fp(s: &str) -> [u8; 48] {
    hex(s).try_into().unwrap()
}

fn fp_from_be(bytes: &[u8; 48]) -> blst::blst_fp {
    let mut out = blst::blst_fp::default();
    unsafe { blst::blst_fp_from_bendian(&mut out, bytes.as_ptr()) };
    out
}

/// A curve point (not necessarily in the subgroup) from affine coordinates, as a projective
/// point; for G1 the uncompressed encoding is `x ‖ y`.
fn g1_point(x: &[u8; 48], y: &[u8; 48]) -> blst::blst_p1 {
    let mut ser = [0u8; 96];
    ser[..48].copy_from_slice(x);
    ser[48..].copy_from_slice(y);
    let mut aff = blst::blst_p1_affine::default();
    assert_eq!(
        unsafe { blst::blst_p1_deserialize(&mut aff, ser.as_ptr()) },
        blst::BLST_ERROR::BLST_SUCCESS
    );
    let mut p = blst::blst_p1::default();
    unsafe { blst::blst_p1_from_affine(&mut p, &aff) };
    p
}

const G1_H_EFF: u64 = 0xd201000000010001;
/// RFC 9380 §8.8.2 h_eff for G2.
const G2_H_EFF: &str = "0bc69f08f2ee75b3584c6a0ea91b352888e2a8e9145ad7689986ff031508ffe1329c2f178731db956d82bf015d1212b02ec0ec69d7477c1ae954cbc06689f6a359894c0adebbf6b4e8020005aaa95551";

/// RFC 9380 G1 vectors: u (hash_to_field), Q0/Q1 (each map before cofactor clearing, checked as
/// `map_to_g1(u) == h_eff · Q`), and P (hash_to_curve), plus P in EIP-2537 form.
#[test]
fn hash_to_g1_vectors() {
    let v: Value = serde_json::from_slice(
        &fs::read(vectors_dir().join("hash-to-curve/BLS12381G1_XMD-SHA-256_SSWU_RO_.json"))
            .unwrap(),
    )
    .unwrap();
    let dst = v["dst"].as_str().unwrap().as_bytes();
    let vectors = v["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 5);
    for t in vectors {
        let msg = t["msg"].as_str().unwrap().as_bytes();
        let u = h2c::hash_to_field_fp(msg, dst, 2).unwrap();
        for (i, ui) in u.iter().enumerate() {
            assert_eq!(*ui, fp(t["u"][i].as_str().unwrap()), "u{i} for {msg:?}");
        }
        for (i, q) in ["Q0", "Q1"].iter().enumerate() {
            let point =
                g1_point(&fp(t[q]["x"].as_str().unwrap()), &fp(t[q]["y"].as_str().unwrap()));
            let mut cleared = blst::blst_p1::default();
            let mut mapped = blst::blst_p1::default();
            unsafe {
                blst::blst_p1_mult(&mut cleared, &point, G1_H_EFF.to_le_bytes().as_ptr(), 64);
                blst::blst_map_to_g1(&mut mapped, &fp_from_be(&u[i]), std::ptr::null());
                assert!(blst::blst_p1_is_equal(&cleared, &mapped), "{q} for {msg:?}");
            }
        }
        let p = h2c::hash_to_g1_uncompressed(msg, dst);
        assert_eq!(p[..48], fp(t["P"]["x"].as_str().unwrap()), "P.x for {msg:?}");
        assert_eq!(p[48..], fp(t["P"]["y"].as_str().unwrap()), "P.y for {msg:?}");
        let e = h2c::hash_to_g1_eip2537(msg, dst);
        assert_eq!(e[..16], [0u8; 16]);
        assert_eq!(e[16..64], p[..48]);
        assert_eq!(e[80..], p[48..]);
    }
}

fn fp2(s: &str) -> ([u8; 48], [u8; 48]) {
    let (c0, c1) = s.split_once(',').unwrap();
    (fp(c0), fp(c1))
}

/// RFC 9380 G2 vectors: u (hash_to_field into Fp2), Q0/Q1 via `map_to_g2(u) == h_eff · Q`, and P.
#[test]
fn hash_to_g2_vectors() {
    let v: Value = serde_json::from_slice(
        &fs::read(vectors_dir().join("hash-to-curve/BLS12381G2_XMD-SHA-256_SSWU_RO_.json"))
            .unwrap(),
    )
    .unwrap();
    let dst = v["dst"].as_str().unwrap().as_bytes();
    let vectors = v["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 5);
    let h_eff: Vec<u8> = hex(G2_H_EFF).into_iter().rev().collect();
    let ser = |x: ([u8; 48], [u8; 48]), y: ([u8; 48], [u8; 48])| {
        // ZCash order: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0.
        [x.1, x.0, y.1, y.0].concat()
    };
    for t in vectors {
        let msg = t["msg"].as_str().unwrap().as_bytes();
        let u = h2c::hash_to_field_fp2(msg, dst, 2).unwrap();
        for (i, ui) in u.iter().enumerate() {
            assert_eq!(*ui, fp2(t["u"][i].as_str().unwrap()), "u{i} for {msg:?}");
        }
        for (i, q) in ["Q0", "Q1"].iter().enumerate() {
            let bytes = ser(fp2(t[q]["x"].as_str().unwrap()), fp2(t[q]["y"].as_str().unwrap()));
            unsafe {
                let mut aff = blst::blst_p2_affine::default();
                assert_eq!(
                    blst::blst_p2_deserialize(&mut aff, bytes.as_ptr()),
                    blst::BLST_ERROR::BLST_SUCCESS
                );
                let mut point = blst::blst_p2::default();
                blst::blst_p2_from_affine(&mut point, &aff);
                let mut cleared = blst::blst_p2::default();
                blst::blst_p2_mult(&mut cleared, &point, h_eff.as_ptr(), h_eff.len() * 8);
                let u_fp2 = blst::blst_fp2 { fp: [fp_from_be(&u[i].0), fp_from_be(&u[i].1)] };
                let mut mapped = blst::blst_p2::default();
                blst::blst_map_to_g2(&mut mapped, &u_fp2, std::ptr::null());
                assert!(blst::blst_p2_is_equal(&cleared, &mapped), "{q} for {msg:?}");
            }
        }
        let expected = ser(fp2(t["P"]["x"].as_str().unwrap()), fp2(t["P"]["y"].as_str().unwrap()));
        let mut p = blst::blst_p2::default();
        let mut aff = blst::blst_p2_affine::default();
        let mut out = [0u8; 192];
        unsafe {
            blst::blst_hash_to_g2(
                &mut p,
                msg.as_ptr(),
                msg.len(),
                dst.as_ptr(),
                dst.len(),
                std::ptr::null(),
                0,
            );
            blst::blst_p2_to_affine(&mut aff, &p);
            blst::blst_p2_affine_serialize(out.as_mut_ptr(), &aff);
        }
        assert_eq!(out.to_vec(), expected, "P for {msg:?}");
    }
}
