package org.pixelcnn.data;

import org.pixelcnn.io.BadInputException;

/**
 * One split of a data set held in memory: {@code count} images of {@code height x width x channels}
 * uint8 pixels in NHWC order, plus an optional int label per image.
 *
 * <p>The pixels live in one or more {@code byte[]} chunks, each holding a whole number of images
 * (a Java array stops at 2 GiB; small ImageNet 32x32 alone is 3.9 GB). Image {@code i} starts at byte
 * {@code (i % imagesPerChunk) * imageBytes} of chunk {@code i / imagesPerChunk}; within an image the
 * layout is HWC (row-major, channels last). CIFAR-10's 50000x32x32x3 training split is one 150 MB
 * chunk.
 *
 * <p>Mirrors the {@code self.data} / {@code self.labels} arrays of the reference's
 * {@code data/cifar10_data.py DataLoader} after its (N,3,32,32) to (N,32,32,3) transpose.
 */
public final class ImageSet {
    /** Largest chunk in bytes (1 GiB): chunks stay well under the 2 GiB array limit. */
    static final long DEFAULT_CHUNK_BYTES = 1L << 30;

    private final String source;
    private final int count;
    private final int height;
    private final int width;
    private final int channels;
    private final int imageBytes;
    private final int imagesPerChunk;
    private final byte[][] chunks;
    private final int[] labels;

    private ImageSet(String source, int count, int height, int width, int channels, int imagesPerChunk, byte[][] chunks, int[] labels) {
        if (labels != null && labels.length != count) {
            throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
        }
        this.source = source;
        this.count = count;
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.imageBytes = height * width * channels;
        this.imagesPerChunk = imagesPerChunk;
        this.chunks = chunks;
        this.labels = labels;
    }

    /**
     * Allocates a zero-filled set to be filled with {@link #setImage}.
     *
     * @param source what the pixels come from (a file or folder), used in messages
     * @param labels one label per image (kept by reference), or null for an unlabelled set
     * @throws BadInputException when the pixels would not fit in the Java heap (says how much is needed)
     */
    public static ImageSet allocate(String source, int count, int height, int width, int channels, int[] labels) {
        return allocate(source, count, height, width, channels, labels, DEFAULT_CHUNK_BYTES);
    }

    /** As {@link #allocate(String, int, int, int, int, int[])} with a chosen largest chunk size in bytes; for tests of chunk boundaries. */
    static ImageSet allocate(String source, int count, int height, int width, int channels, int[] labels, long chunkBytes) {
        long perImage = checkShape(source, count, height, width, channels);
        if (perImage > chunkBytes) throw new BadInputException(source + ": one image of " + height + "x" + width + "x" + channels + " pixels is too large");
        requireHeap(source, perImage * count);
        int imagesPerChunk = (int) Math.min(Integer.MAX_VALUE, Math.max(1, chunkBytes / perImage));
        int nChunks = count == 0 ? 0 : (int) (((long) count + imagesPerChunk - 1) / imagesPerChunk);
        byte[][] chunks = new byte[nChunks][];
        for (int k = 0; k < nChunks; k++) {
            long imagesHere = Math.min(imagesPerChunk, count - (long) k * imagesPerChunk);
            chunks[k] = new byte[(int) (imagesHere * perImage)];
        }
        return new ImageSet(source, count, height, width, channels, imagesPerChunk, chunks, labels);
    }

    /**
     * Wraps one contiguous NHWC uint8 array (not copied) of at most 1 GiB.
     *
     * @param nhwc {@code count * height * width * channels} bytes
     * @throws IllegalArgumentException when the array length does not match the shape
     */
    public static ImageSet wrap(String source, byte[] nhwc, int count, int height, int width, int channels, int[] labels) {
        long perImage = checkShape(source, count, height, width, channels);
        if (nhwc.length != perImage * count) throw new IllegalArgumentException(nhwc.length + " bytes for " + count + " images of " + perImage);
        byte[][] chunks = count == 0 ? new byte[0][] : new byte[][] {nhwc};
        return new ImageSet(source, count, height, width, channels, Math.max(1, count), chunks, labels);
    }

    private static long checkShape(String source, int count, int height, int width, int channels) {
        if (count < 0 || height <= 0 || width <= 0 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException(source + ": bad image set shape " + count + "x" + height + "x" + width + "x" + channels);
        }
        return (long) height * width * channels;
    }

    private static void requireHeap(String source, long bytes) {
        long max = Runtime.getRuntime().maxMemory();
        if (max != Long.MAX_VALUE && bytes > max * 9 / 10) {
            throw new BadInputException(String.format("%s: its pixels need %.1f GB of memory but the Java heap is at most %.1f GB: run java with -Xmx%dg",
                    source, bytes / 1e9, max / 1e9, (long) Math.ceil(bytes * 1.5 / (1L << 30)) + 1));
        }
    }

    /** Where the pixels come from (file or folder), for messages. */
    public String source() { return source; }
    /** Number of images N. */
    public int count() { return count; }
    /** Image height H in pixels. */
    public int height() { return height; }
    /** Image width W in pixels. */
    public int width() { return width; }
    /** Channels C: 1 (grayscale) or 3 (RGB). */
    public int channels() { return channels; }
    /** Bytes per image, H*W*C. */
    public int imageBytes() { return imageBytes; }
    /** Whether every image has a label. */
    public boolean hasLabels() { return labels != null; }
    /** The labels, one per image (the array itself, not a copy), or null when unlabelled. */
    public int[] labels() { return labels; }
    /** Label of image {@code i}; @throws IllegalStateException when the set has no labels */
    public int label(int i) {
        if (labels == null) throw new IllegalStateException(source + " has no labels");
        return labels[i];
    }

    /** Images per chunk; every chunk but the last is full. */
    public int imagesPerChunk() { return imagesPerChunk; }
    /** Number of chunks. */
    public int chunkCount() { return chunks.length; }
    /** Chunk {@code k} itself (NHWC bytes of images {@code k*imagesPerChunk ...}), not a copy. */
    public byte[] chunk(int k) { return chunks[k]; }

    /** Copies image {@code i} (H*W*C bytes, HWC) into {@code dst} at {@code dstOffset}. */
    public void copyImage(int i, byte[] dst, int dstOffset) {
        System.arraycopy(chunks[i / imagesPerChunk], (i % imagesPerChunk) * imageBytes, dst, dstOffset, imageBytes);
    }

    /** Overwrites image {@code i} with H*W*C bytes (HWC) from {@code src} at {@code srcOffset}. */
    public void setImage(int i, byte[] src, int srcOffset) {
        System.arraycopy(src, srcOffset, chunks[i / imagesPerChunk], (i % imagesPerChunk) * imageBytes, imageBytes);
    }

    /** Pixel value 0..255 of image {@code i} at row {@code y}, column {@code x}, channel {@code c}. */
    public int pixel(int i, int y, int x, int c) {
        return chunks[i / imagesPerChunk][(i % imagesPerChunk) * imageBytes + (y * width + x) * channels + c] & 0xff;
    }

    /** Images {@code start .. start+n-1} as one new contiguous NHWC array of n*H*W*C bytes. */
    public byte[] copyImages(int start, int n) {
        if (start < 0 || n < 0 || start + n > count) throw new IndexOutOfBoundsException(start + "+" + n + " of " + count);
        byte[] out = new byte[Math.multiplyExact(n, imageBytes)];
        for (int j = 0; j < n; j++) copyImage(start + j, out, j * imageBytes);
        return out;
    }

    /**
     * Keeps channel 0 only: a set of C = 3 images whose three channels are equal becomes C = 1
     * (used when every image of a folder was grayscale).
     */
    public ImageSet firstChannelOnly() {
        if (channels == 1) return this;
        ImageSet gray = allocate(source, count, height, width, 1, labels);
        int pixels = height * width;
        byte[] rgb = new byte[imageBytes];
        byte[] one = new byte[pixels];
        for (int i = 0; i < count; i++) {
            copyImage(i, rgb, 0);
            for (int p = 0; p < pixels; p++) one[p] = rgb[3 * p];
            gray.setImage(i, one, 0);
        }
        return gray;
    }

    /**
     * Concatenates splits of one image shape in order (e.g. CIFAR's five training batches).
     *
     * @param source names the result in messages
     * @throws BadInputException when the parts differ in image shape or some have labels and others not
     */
    public static ImageSet concat(String source, java.util.List<ImageSet> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("nothing to concatenate");
        ImageSet first = parts.get(0);
        long total = 0;
        boolean labelled = first.hasLabels();
        for (ImageSet p : parts) {
            if (p.height != first.height || p.width != first.width || p.channels != first.channels) {
                throw new BadInputException(p.source + ": images are " + p.height + "x" + p.width + "x" + p.channels
                        + " but " + first.source + " has " + first.height + "x" + first.width + "x" + first.channels);
            }
            if (p.hasLabels() != labelled) throw new BadInputException(p.source + ": labels present in some files and not in others");
            total += p.count;
        }
        if (total > Integer.MAX_VALUE) throw new BadInputException(source + ": more than 2^31 images");
        int[] labels = labelled ? new int[(int) total] : null;
        ImageSet out = allocate(source, (int) total, first.height, first.width, first.channels, labels);
        int at = 0;
        byte[] one = new byte[first.imageBytes];
        for (ImageSet p : parts) {
            for (int i = 0; i < p.count; i++, at++) {
                p.copyImage(i, one, 0);
                out.setImage(at, one, 0);
                if (labelled) labels[at] = p.labels[i];
            }
        }
        return out;
    }

    /**
     * A new set holding images {@code indices[0], indices[1], ...} of this one (pixels and labels copied).
     *
     * @param source names the new set in messages
     */
    public ImageSet select(String source, int[] indices) {
        int[] y = labels == null ? null : new int[indices.length];
        ImageSet out = allocate(source, indices.length, height, width, channels, y);
        byte[] one = new byte[imageBytes];
        for (int j = 0; j < indices.length; j++) {
            copyImage(indices[j], one, 0);
            out.setImage(j, one, 0);
            if (y != null) y[j] = labels[indices[j]];
        }
        return out;
    }

    /** Largest label + 1, or 0 when unlabelled or empty. */
    public int labelBound() {
        if (labels == null) return 0;
        int max = -1;
        for (int y : labels) max = Math.max(max, y);
        return max + 1;
    }
}
