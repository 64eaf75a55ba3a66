/**
 * The data sets of {@code --data_set}: where their files are looked for, downloaded (CIFAR-10 only, as the
 * original does) and how their train and test splits are made ({@code Datasets} is the entry point the
 * commands use; {@code DatasetKind} the names); the images a user points {@code score --images} at
 * ({@code UserImages}: a PNG/JPEG file, a folder, a uint8 .npy).
 *
 * <p>May import: data, data/format, io.
 */
package org.pixelcnn.data.sets;
