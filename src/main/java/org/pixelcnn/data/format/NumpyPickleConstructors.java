package org.pixelcnn.data.format;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;

/**
 * Teaches the pickle library (net.razorvine:pickle) the numpy globals a pickled uint8 array uses:
 * <ul>
 *   <li>{@code numpy.core.multiarray._reconstruct(ndarray, (0,), b'b')}: an empty {@link NumpyArray},
 *       filled by the following BUILD (Python 2 and Python 3 pickles of protocol 0..4);</li>
 *   <li>{@code numpy.dtype(code, align, copy)}: a {@link NumpyDtype}, given its byte order by BUILD;</li>
 *   <li>{@code numpy.core.numeric._frombuffer(buffer, dtype, shape, order)}: protocol 5;</li>
 *   <li>the same names under {@code numpy._core} (numpy 2).</li>
 * </ul>
 * {@code numpy.ndarray} itself needs nothing: it is only passed to {@code _reconstruct}.
 */
final class NumpyPickleConstructors {
    private NumpyPickleConstructors() {
    }

    static {
        IObjectConstructor reconstruct = args -> new NumpyArray();
        IObjectConstructor dtype = args -> {
            if (args.length < 1 || !(args[0] instanceof String code)) throw new PickleException("numpy.dtype needs a type code");
            return new NumpyDtype(code);
        };
        IObjectConstructor fromBuffer = args -> {
            if (args.length != 4) throw new PickleException("numpy _frombuffer takes 4 arguments, got " + args.length);
            if (!(args[1] instanceof NumpyDtype dt)) throw new PickleException("numpy _frombuffer dtype is " + NumpyArray.describe(args[1]));
            try {
                return new NumpyArray(dt, NumpyArray.toShape(args[2]), NumpyArray.toBytes(args[0]), "F".equals(args[3]));
            } catch (IllegalArgumentException e) {
                throw new PickleException(e.getMessage());
            }
        };
        for (String core : new String[] {"numpy.core", "numpy._core"}) {
            Unpickler.registerConstructor(core + ".multiarray", "_reconstruct", reconstruct);
            Unpickler.registerConstructor(core + ".numeric", "_frombuffer", fromBuffer);
        }
        Unpickler.registerConstructor("numpy", "dtype", dtype);
    }

    /** Makes sure the constructors are registered (runs the static initialiser once). */
    static void register() {
        // the work is done by the static initialiser
    }
}
