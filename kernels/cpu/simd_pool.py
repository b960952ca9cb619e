"""MAX and AVE pooling of 8 outputs at once, written as LLVM vector IR through a Numba intrinsic.

Numba's scalar loops take ~70 cycles an output for a 3 x 3 window here (cifar10_quick's pool1:
7 ms, as long as conv1); neither branch-free selects, column maxima first, four interleaved chains
nor 8-lane loops over scratch arrays were faster, since the running maximum went through memory
or through a mispredicted branch. Here 8 neighbouring outputs of a row keep their maxima and
their positions in two vector registers while the window's taps run: per tap one or two 8-float
loads (a stride-2 window takes every second float of 15), an ordered compare (false for NaN, as
``value > best`` is) and two selects.

``offsets[k]`` is tap k's place relative to the first output's window start (kernel row * width +
kernel column); the taps of a window row are consecutive, so a window clipped at the image's top
or bottom runs a contiguous range of them. Every tap of the 8 outputs must lie inside the image:
the caller keeps the windows that overhang a side for its scalar loop.

Numba's cache checks only the file of the function it compiled: after a change here, delete the
cached kernels of pooling.py (kernels/cpu/__pycache__/pooling.*), which inline these.
"""

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .simd_ir import LANES, counted_loop, f32, i32, i64, splat, v8, v8i


def _load_lanes(builder, pointer, stride: int):
    """The 8 floats at pointer[t * stride], t < 8 (stride 1 or 2, reading no float past the last)."""
    vptr = v8.as_pointer()
    first = builder.load(builder.bitcast(pointer, vptr), align=4)
    if stride == 1:
        return first
    # floats 7..14: lanes 1, 3, 5, 7 are pointer[8], [10], [12], [14]
    second = builder.load(builder.bitcast(builder.gep(pointer, [ir.Constant(i64, 7)]), vptr), align=4)
    picks = ir.Constant(ir.VectorType(i32, LANES), [0, 2, 4, 6, 9, 11, 13, 15])
    return builder.shuffle_vector(first, second, picks)


def _make_window_max(stride: int):
    @intrinsic
    def window_max(typingctx, base, offsets, first_tap, last_tap, out, argmax, index_base):
        """out[t], argmax[t] = the maximum of base[offsets[k] + t * stride] over taps k in
        [first_tap, last_tap), and its position index_base + offsets[k] + t * stride (the first
        maximum in tap order; -inf and -1 when no tap beats -inf); addresses as int64."""
        sig = types.void(*([types.int64] * 7))

        def codegen(context, builder, signature, args):
            b_addr, o_addr, k0, k1, out_addr, arg_addr, index0 = args
            base_ptr = builder.inttoptr(b_addr, f32.as_pointer())
            offs = builder.inttoptr(o_addr, i64.as_pointer())
            lanes = ir.Constant(v8i, [t * stride for t in range(LANES)])

            def step(k, values):
                best, where = values
                offset = builder.load(builder.gep(offs, [k]))
                value = _load_lanes(builder, builder.gep(base_ptr, [offset]), stride)
                position = splat(builder, builder.trunc(builder.add(index0, offset), i32), v8i)
                better = builder.fcmp_ordered(">", value, best)
                return builder.select(better, value, best), builder.select(
                    better, builder.add(position, lanes), where
                )

            initial = [ir.Constant(v8, [float("-inf")] * LANES), ir.Constant(v8i, [-1] * LANES)]
            best, where = counted_loop(builder, k0, k1, initial, step)
            builder.store(best, builder.inttoptr(out_addr, v8.as_pointer()), align=4)
            builder.store(where, builder.inttoptr(arg_addr, v8i.as_pointer()), align=4)
            return context.get_dummy_value()

        return sig, codegen

    return window_max


def _make_window_mean(stride: int):
    @intrinsic
    def window_mean(typingctx, base, offsets, first_tap, last_tap, out, size):
        """out[t] = the sum of base[offsets[k] + t * stride] over taps k in [first_tap, last_tap),
        added in tap order from 0 in float32, divided by ``size`` (float32); addresses as int64."""
        sig = types.void(*([types.int64] * 5), types.float32)

        def codegen(context, builder, signature, args):
            b_addr, o_addr, k0, k1, out_addr, size_v = args
            base_ptr = builder.inttoptr(b_addr, f32.as_pointer())
            offs = builder.inttoptr(o_addr, i64.as_pointer())

            def step(k, values):
                offset = builder.load(builder.gep(offs, [k]))
                return [
                    builder.fadd(values[0], _load_lanes(builder, builder.gep(base_ptr, [offset]), stride))
                ]

            (total,) = counted_loop(builder, k0, k1, [ir.Constant(v8, [0.0] * LANES)], step)
            mean = builder.fdiv(total, splat(builder, size_v, v8))
            builder.store(mean, builder.inttoptr(out_addr, v8.as_pointer()), align=4)
            return context.get_dummy_value()

        return sig, codegen

    return window_mean


window_max_stride1 = _make_window_max(1)
window_max_stride2 = _make_window_max(2)
window_mean_stride1 = _make_window_mean(1)
window_mean_stride2 = _make_window_mean(2)
