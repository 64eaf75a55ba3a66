/**
 * File formats, each read into an {@link org.pixelcnn.data.ImageSet}: CIFAR-10 python pickles and binary
 * batches, IDX (MNIST, Fashion-MNIST), numpy .npy/.npz (small ImageNet), PNG/JPEG files, and .tar.gz
 * archives. Each names the file and the problem in one line when it is broken.
 *
 * <p>May import: data, io. Not data/sets or data/loader.
 */
package org.pixelcnn.data.format;
