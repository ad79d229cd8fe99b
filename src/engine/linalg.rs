//! Small dense linear algebra for correlation matrices (at most `limits::MAX_ASSETS` wide):
//! Cholesky for semi-definite matrices, symmetric eigenvalues (Jacobi) to explain a matrix that
//! is not positive semi-definite, and the nearest valid correlation matrix for `repair`.
//! Written by hand because the matrices are tiny and a general crate (nalgebra) would dominate
//! the wasm size; every operation is plain IEEE arithmetic plus `libm::sqrt`, so it is
//! bit-identical natively and in the browser.
// Matrix code reads best with its indices (a[i][k] · b[k][j]): iterators would hide them.
#![allow(clippy::needless_range_loop)]

pub type Matrix = Vec<Vec<f64>>;

/// Tolerance for "zero" pivots and eigenvalues (correlations are entered to a few decimals).
pub const EPS: f64 = 1e-10;

/// Lower-triangular `L` with `L·Lᵀ = A` for a positive semi-definite `A`. Zero pivots (perfect
/// correlation) are allowed: that column of `L` is zero below the diagonal. Returns `None` if
/// `A` is not positive semi-definite.
pub fn cholesky_psd(a: &Matrix) -> Option<Matrix> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let mut s = a[j][j];
        for k in 0..j {
            s -= l[j][k] * l[j][k];
        }
        if s < -1e-9 {
            return None;
        }
        let pivot = if s > EPS { libm::sqrt(s) } else { 0.0 };
        l[j][j] = pivot;
        for i in (j + 1)..n {
            let mut t = a[i][j];
            for k in 0..j {
                t -= l[i][k] * l[j][k];
            }
            if pivot == 0.0 {
                if t.abs() > 1e-7 {
                    return None; // a zero pivot with a non-zero remainder: not PSD
                }
                l[i][j] = 0.0;
            } else {
                l[i][j] = t / pivot;
            }
        }
    }
    Some(l)
}

/// Eigenvalues and eigenvectors (columns of the returned matrix) of a symmetric matrix, by
/// cyclic Jacobi rotations.
pub fn symmetric_eigen(a: &Matrix) -> (Vec<f64>, Matrix) {
    let n = a.len();
    let mut m = a.clone();
    let mut v = vec![vec![0.0; n]; n];
    for (i, row) in v.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for _sweep in 0..100 {
        let mut off = 0.0;
        for i in 0..n {
            for j in (i + 1)..n {
                off += m[i][j] * m[i][j];
            }
        }
        if off < 1e-22 {
            break;
        }
        for p in 0..n {
            for q in (p + 1)..n {
                if m[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (m[q][q] - m[p][p]) / (2.0 * m[p][q]);
                let t = theta.signum() / (theta.abs() + libm::sqrt(theta * theta + 1.0));
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / libm::sqrt(t * t + 1.0);
                let s = t * c;
                for k in 0..n {
                    let mkp = m[k][p];
                    let mkq = m[k][q];
                    m[k][p] = c * mkp - s * mkq;
                    m[k][q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let mpk = m[p][k];
                    let mqk = m[q][k];
                    m[p][k] = c * mpk - s * mqk;
                    m[q][k] = s * mpk + c * mqk;
                }
                for row in v.iter_mut() {
                    let vkp = row[p];
                    let vkq = row[q];
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| m[i][i]).collect(), v)
}

/// Nearest correlation matrix by alternating projections (Higham 2002, with Dykstra's
/// correction): onto the PSD cone (clip eigenvalues at a small positive floor), then onto unit
/// diagonal. Returns a matrix that `cholesky_psd` accepts.
pub fn nearest_correlation(a: &Matrix) -> Matrix {
    let n = a.len();
    let mut y = a.clone();
    let mut ds = vec![vec![0.0; n]; n];
    for _ in 0..200 {
        let r: Matrix = (0..n).map(|i| (0..n).map(|j| y[i][j] - ds[i][j]).collect()).collect();
        let x = psd_projection(&r, 1e-8);
        for i in 0..n {
            for j in 0..n {
                ds[i][j] = x[i][j] - r[i][j];
            }
        }
        let mut next = x;
        for (i, row) in next.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        let diff: f64 =
            (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| (next[i][j] - y[i][j]).abs()).sum();
        y = next;
        if diff < 1e-12 {
            break;
        }
    }
    // Final safety: clip once more and rescale to a unit diagonal.
    let x = psd_projection(&y, 1e-8);
    let dgn: Vec<f64> = (0..n).map(|i| libm::sqrt(x[i][i].max(1e-300))).collect();
    let mut out: Matrix = (0..n).map(|i| (0..n).map(|j| x[i][j] / (dgn[i] * dgn[j])).collect()).collect();
    for i in 0..n {
        out[i][i] = 1.0;
        for j in (i + 1)..n {
            let v = ((out[i][j] + out[j][i]) / 2.0).clamp(-1.0, 1.0);
            out[i][j] = v;
            out[j][i] = v;
        }
    }
    out
}

fn psd_projection(a: &Matrix, floor: f64) -> Matrix {
    let n = a.len();
    let (vals, vecs) = symmetric_eigen(a);
    let mut out = vec![vec![0.0; n]; n];
    for (k, &lam) in vals.iter().enumerate() {
        let lam = lam.max(floor);
        for i in 0..n {
            for j in 0..n {
                out[i][j] += lam * vecs[i][k] * vecs[j][k];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_of_valid_matrices() {
        let a = vec![vec![1.0, 0.8], vec![0.8, 1.0]];
        let l = cholesky_psd(&a).unwrap();
        // L = [[1, 0], [0.8, sqrt(1 − 0.64) = 0.6]]
        assert!((l[1][0] - 0.8).abs() < 1e-15 && (l[1][1] - 0.6).abs() < 1e-15);
        // perfectly correlated: semi-definite, accepted, second column zero
        let a = vec![vec![1.0, 1.0], vec![1.0, 1.0]];
        let l = cholesky_psd(&a).unwrap();
        assert_eq!(l[1][1], 0.0);
    }

    #[test]
    fn non_psd_is_rejected_and_explained() {
        // ρ_ab = 0.9, ρ_bc = 0.9, ρ_ac = −0.9 is impossible
        let a = vec![vec![1.0, 0.9, -0.9], vec![0.9, 1.0, 0.9], vec![-0.9, 0.9, 1.0]];
        assert!(cholesky_psd(&a).is_none());
        let (vals, _) = symmetric_eigen(&a);
        let min = vals.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(min < -0.5, "smallest eigenvalue {min}");
        let fixed = nearest_correlation(&a);
        assert!(cholesky_psd(&fixed).is_some());
        for (i, row) in fixed.iter().enumerate() {
            assert_eq!(row[i], 1.0);
        }
    }
}
