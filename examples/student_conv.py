"""A 2-D convolution the way a student writes it: plain loops over numpy arrays.

It takes Keras' layout and convviz's names, and it is correct; check it with

    convviz check examples/student_conv.py:conv2d

or change one line (flip the kernel, forget the bias, put the odd 'same' zero at the
top) and see what ``convviz check`` says. Run as a script, it checks itself.
"""
import numpy as np


def conv2d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1):
    """x (N, H, W, C_in), kernel (kh, kw, C_in, C_out) -> (N, H', W', C_out)."""
    n, h, w, c_in = x.shape
    kh, kw, _, c_out = kernel.shape
    sh, sw = (strides, strides) if isinstance(strides, int) else strides
    dh, dw = (dilation_rate, dilation_rate) if isinstance(dilation_rate, int) else dilation_rate
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1   # the dilated kernel

    if padding == "same":
        out_h, out_w = -(-h // sh), -(-w // sw)              # ceil(n / stride)
        pad_h = max((out_h - 1) * sh + span_h - h, 0)
        pad_w = max((out_w - 1) * sw + span_w - w, 0)
        top, left = pad_h // 2, pad_w // 2                   # the odd zero goes bottom/right
        x = np.pad(x, ((0, 0), (top, pad_h - top), (left, pad_w - left), (0, 0)))
    out_h = (x.shape[1] - span_h) // sh + 1
    out_w = (x.shape[2] - span_w) // sw + 1

    out = np.zeros((n, out_h, out_w, c_out))
    for b in range(n):
        for f in range(c_out):
            for i in range(out_h):
                for j in range(out_w):
                    total = 0.0
                    for c in range(c_in):
                        for u in range(kh):
                            for v in range(kw):
                                total += x[b, i * sh + u * dh, j * sw + v * dw, c] * kernel[u, v, c, f]
                    if bias is not None:
                        total += bias[f]
                    out[b, i, j, f] = total
    return out


if __name__ == "__main__":
    from convviz.testing import check_conv2d

    print(check_conv2d(conv2d))
