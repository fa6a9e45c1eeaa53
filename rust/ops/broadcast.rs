//! numpy broadcasting: the result shape of two operands, and the reverse step
//! for gradients (summing a gradient back down to an operand's shape).

use crate::error::{fmt_shape, Error, Result};
use crate::kernels::real::Real;
use ndarray::{ArrayD, ArrayViewD, Axis, CowArray, IxDyn};

/// The broadcast shape of `a` and `b`, or a Shape error naming `op`.
pub fn broadcast_shape(op: &str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank {
            a[i + a.len() - rank]
        } else {
            1
        };
        let db = if i + b.len() >= rank {
            b[i + b.len() - rank]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(Error::shape(
                op,
                "shapes that broadcast together (equal dimensions, or 1)",
                format!("{} and {}", fmt_shape(a), fmt_shape(b)),
            ));
        };
    }
    Ok(out)
}

/// Sums `grad` (of a broadcast result) down to `shape`, the operand's shape.
pub fn reduce_to_shape<F: Real>(
    op: &str,
    grad: ArrayViewD<F>,
    shape: &[usize],
) -> Result<ArrayD<F>> {
    if grad.shape() == shape {
        return Ok(grad.to_owned());
    }
    reduce_view(op, grad, shape)
}

/// [`reduce_to_shape`] for a gradient the caller owns: returned as it is
/// (no copy) when it already has the operand's shape.
pub fn reduce_owned<F: Real>(op: &str, grad: ArrayD<F>, shape: &[usize]) -> Result<ArrayD<F>> {
    if grad.shape() == shape {
        return Ok(grad);
    }
    reduce_view(op, grad.view(), shape)
}

fn reduce_view<F: Real>(op: &str, grad: ArrayViewD<F>, shape: &[usize]) -> Result<ArrayD<F>> {
    if grad.ndim() < shape.len() {
        return Err(Error::shape(
            op,
            format!("a gradient of rank at least {}", shape.len()),
            format!("a gradient of shape {}", fmt_shape(grad.shape())),
        ));
    }
    let extra = grad.ndim() - shape.len();
    // Summing reads the view directly; only the (smaller) sums are owned.
    let mut g = CowArray::from(grad);
    for _ in 0..extra {
        g = g.sum_axis(Axis(0)).into();
    }
    for (axis, &d) in shape.iter().enumerate() {
        if d == 1 && g.shape()[axis] != 1 {
            g = g.sum_axis(Axis(axis)).insert_axis(Axis(axis)).into();
        }
    }
    let got = g.shape().to_vec();
    g.into_owned()
        .into_shape_with_order(IxDyn(shape))
        .map_err(|_| {
            Error::shape(
                op,
                format!("a gradient that reduces to {}", fmt_shape(shape)),
                format!("a gradient reduced to {}", fmt_shape(&got)),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_broadcast_like_numpy() {
        assert_eq!(
            broadcast_shape("add", &[2, 1, 3], &[4, 1]).unwrap(),
            vec![2, 4, 3]
        );
        assert_eq!(broadcast_shape("add", &[], &[5]).unwrap(), vec![5]);
        assert_eq!(
            broadcast_shape("add", &[0, 1], &[1, 3]).unwrap(),
            vec![0, 3]
        );
        assert!(broadcast_shape("add", &[2, 3], &[3, 2]).is_err());
    }

    #[test]
    fn gradient_sums_back_to_operand_shape() {
        let g = ArrayD::from_elem(IxDyn(&[2, 4, 3]), 1.0f32);
        let r = reduce_to_shape("add", g.view(), &[4, 1]).unwrap();
        assert_eq!(r.shape(), &[4, 1]);
        assert!(r.iter().all(|&v| v == 6.0));
    }
}
