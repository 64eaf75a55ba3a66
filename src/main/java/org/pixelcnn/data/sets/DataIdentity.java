package org.pixelcnn.data.sets;

import org.pixelcnn.data.ImageSet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What a training run records of its data set, so that resuming, evaluating or sampling can tell whether
 * it meets the same data again: the kind, the image shape, the size of each split, the class names, and a
 * fingerprint of the content. Compared field by field by {@link #difference}, which names the first
 * field that differs.
 *
 * @param dataSet     the {@code --data_set} kind (cifar, folder, ...)
 * @param height      image height
 * @param width       image width
 * @param channels    image channels
 * @param trainImages images in the training split
 * @param testImages  images in the test split
 * @param classNames  the names of the labels 0..K-1 (empty: unnamed or unlabelled)
 * @param fingerprint SHA-256 (first 16 hex digits) of the shape, the counts, the labels and the pixels of up
 *                    to 64 evenly spaced training and 16 test images: a renamed, re-ordered or re-encoded
 *                    image set gives another fingerprint, the same files give the same one
 */
public record DataIdentity(String dataSet, int height, int width, int channels, int trainImages, int testImages,
                           List<String> classNames, String fingerprint) {

    /** Training images hashed into the fingerprint (evenly spaced). */
    static final int TRAIN_SAMPLES = 64;
    /** Test images hashed into the fingerprint. */
    static final int TEST_SAMPLES = 16;

    public DataIdentity {
        classNames = classNames == null ? List.of() : List.copyOf(classNames);
    }

    /** The identity of a loaded data set. */
    public static DataIdentity of(Dataset d) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        String head = d.height() + "x" + d.width() + "x" + d.channels() + "/" + d.train().count() + "/" + d.test().count()
                + "/" + String.join("|", d.classNames());
        sha.update(head.getBytes(StandardCharsets.UTF_8));
        sample(sha, d.train(), TRAIN_SAMPLES);
        sample(sha, d.test(), TEST_SAMPLES);
        String fp = HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        return new DataIdentity(d.name(), d.height(), d.width(), d.channels(), d.train().count(), d.test().count(), d.classNames(), fp);
    }

    private static void sample(MessageDigest sha, ImageSet set, int max) {
        int n = set.count();
        int k = Math.min(n, max);
        byte[] img = new byte[set.imageBytes()];
        for (int j = 0; j < k; j++) {
            int i = (int) ((long) j * n / k);
            set.copyImage(i, img, 0);
            sha.update(img);
            if (set.hasLabels()) {
                int y = set.label(i);
                sha.update(new byte[]{(byte) (y >>> 24), (byte) (y >>> 16), (byte) (y >>> 8), (byte) y});
            }
        }
    }

    /**
     * The first way {@code other} differs from this identity, in words ("the training split has 20 images,
     * the run's had 100"), or null when they are the same data.
     */
    public String difference(DataIdentity other) {
        if (!dataSet.equals(other.dataSet)) return "it is --data_set " + other.dataSet + ", the run's was " + dataSet;
        if (height != other.height || width != other.width || channels != other.channels)
            return "its images are " + other.height + "x" + other.width + "x" + other.channels + ", the run's were " + height + "x" + width + "x" + channels;
        if (trainImages != other.trainImages) return "its training split has " + other.trainImages + " images, the run's had " + trainImages;
        if (testImages != other.testImages) return "its test split has " + other.testImages + " images, the run's had " + testImages;
        String names = classNamesDifference(classNames, other.classNames);
        if (names != null) return names;
        if (!fingerprint.equals(other.fingerprint))
            return "its images differ (fingerprint " + other.fingerprint + ", the run's was " + fingerprint + ")";
        return null;
    }

    /**
     * The first difference between two lists of class names ("class 3 is 'dark', the checkpoint's is
     * 'dress'"), or null when they are equal or either is empty (unnamed classes are not compared).
     */
    public static String classNamesDifference(List<String> run, List<String> now) {
        if (run.isEmpty() || now.isEmpty()) return null;
        for (int i = 0; i < Math.min(run.size(), now.size()); i++)
            if (!run.get(i).equals(now.get(i)))
                return "class " + i + " is '" + now.get(i) + "', the run's class " + i + " is '" + run.get(i) + "'";
        if (run.size() != now.size()) return "it has " + now.size() + " classes, the run had " + run.size();
        return null;
    }
}
