package org.pixelcnn.io.torch;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;

/**
 * A torch storage class named in a pickle ({@code torch.FloatStorage}, ...): the global the persistent
 * id of every storage refers to. Only its element type and size are needed; it is never called.
 *
 * @param className   the class name, e.g. "FloatStorage"
 * @param dtype       the element type, e.g. "float32"
 * @param elementSize bytes per element
 */
record TorchStorageType(String className, String dtype, int elementSize) implements IObjectConstructor {

    /** The storage classes torch pickles, by their torch name. */
    static final TorchStorageType[] ALL = {
            new TorchStorageType("FloatStorage", "float32", 4),
            new TorchStorageType("DoubleStorage", "float64", 8),
            new TorchStorageType("HalfStorage", "float16", 2),
            new TorchStorageType("BFloat16Storage", "bfloat16", 2),
            new TorchStorageType("LongStorage", "int64", 8),
            new TorchStorageType("IntStorage", "int32", 4),
            new TorchStorageType("ShortStorage", "int16", 2),
            new TorchStorageType("CharStorage", "int8", 1),
            new TorchStorageType("ByteStorage", "uint8", 1),
            new TorchStorageType("BoolStorage", "bool", 1),
            new TorchStorageType("ComplexFloatStorage", "complex64", 8),
            new TorchStorageType("ComplexDoubleStorage", "complex128", 16),
    };

    @Override
    public Object construct(Object[] args) {
        throw new PickleException("torch." + className + " is only a storage type here; it cannot be constructed");
    }
}
