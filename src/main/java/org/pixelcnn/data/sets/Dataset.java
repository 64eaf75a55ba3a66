package org.pixelcnn.data.sets;

import org.pixelcnn.data.ImageSet;
import org.pixelcnn.io.BadInputException;

import java.util.List;

/**
 * A data set as the trainer sees it: a training and a test split of uint8 NHWC images of one shape,
 * both labelled or both unlabelled.
 *
 * <p>The reference builds the same pair with two {@code DataLoader}s (train.py, "initialize data
 * loaders for train/test splits"); {@link #numLabels()} is its {@code get_num_labels()}.
 *
 * @param name       the {@code --data_set} value it was loaded for
 * @param where      the file or folder it was read from (for messages and {@code data --verbose})
 * @param train      the training split
 * @param test       the test split (bits/dim is measured over all of it)
 * @param classNames the name of each label 0..K-1 (CIFAR-10's and Fashion-MNIST's published names, the
 *                   class sub-folders of a folder data set), or empty when the classes have no names
 */
public record Dataset(String name, String where, ImageSet train, ImageSet test, List<String> classNames) {

    /** A data set whose classes (if any) have no names. */
    public Dataset(String name, String where, ImageSet train, ImageSet test) {
        this(name, where, train, test, List.of());
    }

    /**
     * @throws BadInputException when the splits differ in image shape or one has labels and the other not
     * @throws IllegalArgumentException when there are class names but not one per label
     */
    public Dataset {
        classNames = List.copyOf(classNames);
        if (train.height() != test.height() || train.width() != test.width() || train.channels() != test.channels()) {
            throw new BadInputException(test.source() + ": test images are " + shape(test) + " but training images ("
                    + train.source() + ") are " + shape(train));
        }
        if (train.hasLabels() != test.hasLabels()) {
            ImageSet without = train.hasLabels() ? test : train;
            throw new BadInputException(without.source() + ": has no labels but the other split has");
        }
        if (!classNames.isEmpty() && classNames.size() < Math.max(train.labelBound(), test.labelBound()))
            throw new IllegalArgumentException(classNames.size() + " class names for labels up to " + (Math.max(train.labelBound(), test.labelBound()) - 1));
    }

    private static String shape(ImageSet s) {
        return s.height() + "x" + s.width() + "x" + s.channels();
    }

    /** Image height H. */
    public int height() { return train.height(); }
    /** Image width W. */
    public int width() { return train.width(); }
    /** Channels C (1 or 3). */
    public int channels() { return train.channels(); }

    /**
     * Number of classes for class-conditional training: the number of class names when the data set has
     * them, else the largest label of either split + 1; 0 when unlabelled.
     */
    public int numLabels() {
        if (!train.hasLabels()) return 0;
        return Math.max(classNames.size(), Math.max(train.labelBound(), test.labelBound()));
    }

    /** What a run records of the data it trained on, to recognise it again ({@link DataIdentity#of}). */
    public DataIdentity identity() {
        return DataIdentity.of(this);
    }

    /** Whether H and W are both divisible by 4 (the network downsamples twice by 2). */
    public boolean sizeDivisibleBy4() {
        return height() % 4 == 0 && width() % 4 == 0;
    }

    /**
     * Refuses images whose height or width is not divisible by 4: the up pass of model.py halves the
     * resolution twice (stride-2 convolutions) and the down pass doubles it twice, so other sizes do not
     * come back to H x W. The trainer calls this before training.
     *
     * @throws BadInputException naming the data set, its source and its image size
     */
    public void requireSizeDivisibleBy4() {
        if (!sizeDivisibleBy4()) {
            throw new BadInputException(String.format("%s (%s): images are %dx%d but PixelCNN++ needs height and width divisible by 4"
                    + " (the network downsamples twice by 2); crop or pad them, e.g. to %dx%d",
                    name, where, height(), width(), (height() + 3) / 4 * 4, (width() + 3) / 4 * 4));
        }
    }
}
