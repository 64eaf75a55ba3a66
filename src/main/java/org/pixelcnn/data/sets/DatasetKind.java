package org.pixelcnn.data.sets;

import org.pixelcnn.io.BadInputException;

/**
 * The values of {@code --data_set}: the reference's {@code cifar} and {@code imagenet} (train.py), plus
 * {@code imagenet32} / {@code imagenet64} to pick one resolution of small ImageNet, {@code mnist},
 * {@code fashion-mnist} and {@code folder} (a directory of PNG/JPEG images).
 */
public enum DatasetKind {
    /** CIFAR-10, 50000 + 10000 images of 32x32x3, 10 labels (python or binary batches). */
    CIFAR("cifar"),
    /** Small ImageNet (van den Oord et al. 2016), 32x32 if present, else 64x64; no labels. */
    IMAGENET("imagenet"),
    /** Small ImageNet 32x32. */
    IMAGENET32("imagenet32"),
    /** Small ImageNet 64x64. */
    IMAGENET64("imagenet64"),
    /** MNIST, IDX files, 28x28x1, 10 labels. */
    MNIST("mnist"),
    /** Fashion-MNIST, IDX files, 28x28x1, 10 labels. */
    FASHION_MNIST("fashion-mnist"),
    /** A folder of PNG/JPEG images of one size; labels from class sub-folders when present. */
    FOLDER("folder");

    private final String flag;

    DatasetKind(String flag) {
        this.flag = flag;
    }

    /** The name used on the command line, e.g. {@code fashion-mnist}. */
    public String flag() {
        return flag;
    }

    /** The command-line names of every kind, in declaration order (the choices of --data_set). */
    public static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(values()).map(DatasetKind::flag).iterator();
        }

        /** The names joined by ", ". */
        public static String joined() {
            return String.join(", ", new Names());
        }
    }

    /**
     * Parses a {@code --data_set} value (case-insensitive; {@code fashion_mnist} also accepted).
     *
     * @throws BadInputException naming the value and the accepted ones
     */
    public static DatasetKind parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        for (DatasetKind k : values()) {
            if (k.flag.equals(v)) return k;
        }
        if (v.equals("cifar10") || v.equals("cifar-10")) return CIFAR;
        if (v.equals("fashion")) return FASHION_MNIST;
        throw new BadInputException("--data_set '" + value + "': unknown data set; use one of " + Names.joined());
    }
}
