/**
 * Images in memory and their scaling: {@link org.pixelcnn.data.ImageSet} (uint8 NHWC images with
 * optional labels), {@code PixelScaling} ((p - 127.5) / 127.5, as train.py feeds them) and
 * {@code ChannelStats}. Below it: {@code data/format} (file formats), {@code data/sets} (the data sets of
 * {@code --data_set}) and {@code data/loader} (batches for training and testing).
 *
 * <p>May import: io.
 */
package org.pixelcnn.data;
