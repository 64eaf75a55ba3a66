/**
 * The ground floor: files and the one error type of user input. Checkpoints as safetensors files written
 * atomically (temporary file, fsync, rename) and loaded strictly ({@code Checkpoint*}, {@code Safetensors*}),
 * the run's metrics log ({@code MetricsLog}), the bits/dim plot ({@code BitsPlot}), and
 * {@link org.pixelcnn.io.BadInputException}, the one-line, exit-code-2 error every command gives for bad input.
 *
 * <p>May import: nothing of the engine (only the JDK and gson).
 */
package org.pixelcnn.io;
