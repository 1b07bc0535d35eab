//! Fuzzing the data loaders (issue 13 §7): arbitrary bytes, truncated and mutated valid `.npy`
//! and CSV files must give a typed input error (exit code 2 from the CLI), never a panic or
//! an oversized allocation.

use actbif::app::commands::is_input_error;
use actbif::data::load_bytes;
use actbif::io::{encode_npy, format_csv, parse_csv, parse_npy};
use actbif::Error;
use ndarray::Array2;
use proptest::prelude::*;
use std::path::Path;

const NPY: &str = "fuzz.npy";
const CSV: &str = "fuzz.csv";

/// The loader's verdict on `bytes`: Ok, or an error that the CLI maps to exit code 2 and that
/// names the file.
fn assert_typed(name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    match load_bytes(Path::new(name), bytes) {
        Ok(d) => {
            prop_assert!(d.n_samples() >= 1 && d.dim() >= 1);
            prop_assert!(d.x.iter().chain(d.y.iter()).all(|v| v.is_finite()));
        }
        Err(e) => {
            prop_assert!(is_input_error(&e), "not an input error: {e:?}");
            if let Error::Parse { path, .. } = &e {
                prop_assert_eq!(path.as_path(), Path::new(name));
            }
        }
    }
    Ok(())
}

/// A small finite table (2–4 columns, 1–6 rows) of awkward values.
fn table() -> impl Strategy<Value = Array2<f64>> {
    (1usize..7, 2usize..5).prop_flat_map(|(r, c)| {
        prop::collection::vec(
            prop_oneof![
                -1e6..1e6f64,
                Just(0.0),
                Just(-0.0),
                Just(5e-324),
                Just(1e70)
            ],
            r * c,
        )
        .prop_map(move |v| Array2::from_shape_vec((r, c), v).unwrap())
    })
}

fn npy_bytes(t: &Array2<f64>) -> Vec<u8> {
    encode_npy(t, Path::new(NPY)).unwrap()
}

fn csv_bytes(t: &Array2<f64>) -> Vec<u8> {
    let header: Vec<String> = (0..t.ncols()).map(|j| format!("c{j}")).collect();
    format_csv(&header, t).into_bytes()
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        assert_typed(NPY, &bytes)?;
        assert_typed(CSV, &bytes)?;
    }

    #[test]
    fn arbitrary_bytes_after_npy_magic_never_panic(
        version in 0u8..4,
        rest in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut bytes = b"\x93NUMPY".to_vec();
        bytes.extend([version, 0]);
        bytes.extend(rest);
        assert_typed(NPY, &bytes)?;
    }

    #[test]
    fn valid_files_round_trip(t in table()) {
        let back = parse_npy(&npy_bytes(&t), Path::new(NPY)).unwrap();
        prop_assert_eq!(back.shape(), t.shape());
        let back = parse_csv(&csv_bytes(&t), Path::new(CSV)).unwrap();
        prop_assert_eq!(back.shape(), t.shape());
        // Bit-exact: −0.0 and subnormals survive both formats.
        prop_assert!(back.iter().zip(t.iter()).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn truncated_npy_is_a_parse_error(t in table(), cut in 0.0..1.0f64) {
        let bytes = npy_bytes(&t);
        let keep = ((bytes.len() as f64) * cut) as usize;
        let e = load_bytes(Path::new(NPY), &bytes[..keep]).unwrap_err();
        prop_assert!(matches!(e, Error::Parse { .. }), "{e:?}");
    }

    #[test]
    fn truncated_csv_is_typed(t in table(), cut in 0.0..1.0f64) {
        let bytes = csv_bytes(&t);
        let keep = ((bytes.len() as f64) * cut) as usize;
        assert_typed(CSV, &bytes[..keep])?;
    }

    #[test]
    fn mutated_npy_is_typed(
        t in table(),
        edits in prop::collection::vec((0.0..1.0f64, any::<u8>()), 1..8),
    ) {
        let mut bytes = npy_bytes(&t);
        for (pos, b) in edits {
            let i = ((bytes.len() as f64) * pos) as usize;
            bytes[i] = b;
        }
        assert_typed(NPY, &bytes)?;
    }

    #[test]
    fn mutated_csv_is_typed(
        t in table(),
        edits in prop::collection::vec((0.0..1.0f64, any::<u8>()), 1..8),
    ) {
        let mut bytes = csv_bytes(&t);
        for (pos, b) in edits {
            let i = ((bytes.len() as f64) * pos) as usize;
            bytes[i] = b;
        }
        assert_typed(CSV, &bytes)?;
    }
}

/// An `.npy` v1.0 file with the given header dictionary and data bytes.
fn npy_with_header(dict: &str, data: &[u8]) -> Vec<u8> {
    // Magic (6) + version (2) + length (2) + header, padded to 64 bytes with the final '\n'.
    let mut header = dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

#[test]
fn npy_header_promising_huge_shape_is_refused_without_allocating() {
    // 1e11 × 5 f8 = 4 TB: ndarray-npy would try to allocate it before noticing the data are
    // missing (an abort, not an error).
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 5), }";
    let bytes = npy_with_header(dict, &[0u8; 80]);
    let e = parse_npy(&bytes, Path::new(NPY)).unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e:?}");
    assert!(
        e.to_string().contains("declares 500000000000 elements"),
        "{e}"
    );
    // A shape whose product overflows 128 bits.
    let big = "{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551615, \
               18446744073709551615, 18446744073709551615), }";
    let e = parse_npy(&npy_with_header(big, &[]), Path::new(NPY)).unwrap_err();
    assert!(e.to_string().contains("more than 2^128"), "{e}");
    // The same header with its data present parses (the check is not over-eager).
    let ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 5), }";
    let a = parse_npy(&npy_with_header(ok, &[0u8; 80]), Path::new(NPY)).unwrap();
    assert_eq!(a.shape(), &[2, 5]);
}

#[test]
fn npy_header_length_beyond_the_file_is_refused() {
    // Version 2.0: a u32 header length of 4 GiB − 1 in a 16-byte file.
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend(u32::MAX.to_le_bytes());
    bytes.extend(b"{'descr'");
    let e = parse_npy(&bytes, Path::new(NPY)).unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e:?}");
    assert!(e.to_string().contains("header length"), "{e}");
}

#[test]
fn binary_bytes_as_csv_say_not_utf8() {
    let t = Array2::from_shape_vec((2, 2), vec![1.5, -2.0, 3.25, 4.0]).unwrap();
    let e = parse_csv(&npy_bytes(&t), Path::new(CSV)).unwrap_err();
    assert!(matches!(e, Error::Parse { .. }), "{e:?}");
    assert!(e.to_string().contains("not valid UTF-8"), "{e}");
}
