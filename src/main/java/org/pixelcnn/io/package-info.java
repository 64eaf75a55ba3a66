/**
 * The ground floor: files and the one error type of user input. Checkpoints as safetensors files written
 * atomically (temporary file, fsync, rename) and loaded strictly ({@code Checkpoint*}, {@code Safetensors*}),
 * the run's metrics log ({@code MetricsLog}), the bits/dim plot ({@code BitsPlot}), the per-pixel heat map
 * of {@code score} ({@code BitsHeatmap}), output files renamed into place ({@code AtomicOutput}), and
 * {@link org.pixelcnn.io.BadInputException}, the one-line, exit-code-2 error every command gives for bad input.
 *
 * {@code io/torch} reads PyTorch state_dict files ({@code torch.save}).
 *
 * <p>May import: nothing of the engine (only the JDK, gson and, in io/torch, the pickle library).
 */
package org.pixelcnn.io;
