/**
 * Batches for the network: the seeded, resumable training stream ({@code TrainBatches}, {@code EpochOrder},
 * {@code LoaderState}), one pass over a test split with its partial last batch ({@code TestBatches}), both
 * prepared on a background thread ({@code Prefetcher}).
 *
 * <p>May import: data, io. Not data/sets or data/format.
 */
package org.pixelcnn.data.loader;
