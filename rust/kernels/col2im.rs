//! col2im, the adjoint of im2col ([`super::im2col`]): each row of a column
//! matrix's gradient is added back onto the input cells it was read from.

use super::im2col::col_width;
use super::window::{for_each_chunk, Geometry};

/// col2im: adds each row of `dcols` back onto the cells it was read from.
/// `dx` holds whole images and must start zeroed. One task per image, and
/// inside an image a fixed order, so sums never depend on the thread count.
pub fn col2im(g: &Geometry, dcols: &[f32], dx: &mut [f32]) {
    if dcols.is_empty() {
        return;
    }
    for_each_chunk(dx, g.image_len(), dcols.len(), |b, img| {
        col2im_image(g, dcols, b, img)
    });
}

/// [`col2im`] on the calling thread only.
pub(super) fn col2im_serial(g: &Geometry, dcols: &[f32], dx: &mut [f32]) {
    for (b, img) in dx.chunks_mut(g.image_len().max(1)).enumerate() {
        col2im_image(g, dcols, b, img);
    }
}

/// Image `b`'s rows of `dcols` added onto its cells `img`.
fn col2im_image(g: &Geometry, dcols: &[f32], b: usize, img: &mut [f32]) {
    let (c, width, pixels) = (g.channels, col_width(g), g.out_pixels());
    let line = g.w.input * c;
    let rows = &dcols[b * pixels * width..(b + 1) * pixels * width];
    for (p, row) in rows.chunks_exact(width).enumerate() {
        let (oy, ox) = (p / g.w.output, p % g.w.output);
        let xs = g.w.valid_taps(ox);
        for ky in g.h.valid_taps(oy) {
            let base = g.h.source(oy, ky) * line;
            for kx in xs.clone() {
                let at = base + g.w.source(ox, kx) * c;
                let src = &row[(ky * g.w.kernel + kx) * c..][..c];
                for (d, s) in img[at..at + c].iter_mut().zip(src) {
                    *d += s;
                }
            }
        }
    }
}
