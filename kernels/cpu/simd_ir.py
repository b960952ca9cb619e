"""The LLVM IR pieces the vector kernels (simd_conv.py, simd_pool.py) share: 8-lane types, a
lane splat, and a counted loop whose values stay in registers as phis."""

from llvmlite import ir

LANES = 8

f32 = ir.FloatType()
i32 = ir.IntType(32)
i64 = ir.IntType(64)
v8 = ir.VectorType(f32, LANES)
v8i = ir.VectorType(i32, LANES)


def splat(builder, value, vector_type):
    """``value`` in all lanes of ``vector_type``."""
    undef = ir.Constant(vector_type, ir.Undefined)
    one = builder.insert_element(undef, value, ir.Constant(i32, 0))
    return builder.shuffle_vector(
        one, undef, ir.Constant(ir.VectorType(i32, vector_type.count), [0] * vector_type.count)
    )


def counted_loop(builder, k0, k1, initial, step):
    """for k in [k0, k1): values = step(k, values), the values held as phis (in registers);
    returns the final values (``initial`` when the range is empty)."""
    entry = builder.block
    loop = builder.append_basic_block("steps")
    done = builder.append_basic_block("done")
    builder.cbranch(builder.icmp_signed("<", k0, k1), loop, done)

    builder.position_at_end(loop)
    k = builder.phi(i64)
    k.add_incoming(k0, entry)
    values = []
    for start in initial:
        phi = builder.phi(start.type)
        phi.add_incoming(start, entry)
        values.append(phi)
    new = step(k, values)
    k_next = builder.add(k, ir.Constant(i64, 1))
    k.add_incoming(k_next, loop)
    for phi, value in zip(values, new, strict=True):
        phi.add_incoming(value, loop)
    builder.cbranch(builder.icmp_signed("<", k_next, k1), loop, done)

    builder.position_at_end(done)
    finals = []
    for start, value in zip(initial, new, strict=True):  # a block's phis come before anything else
        final = builder.phi(start.type)
        final.add_incoming(start, entry)
        final.add_incoming(value, loop)
        finals.append(final)
    return finals
