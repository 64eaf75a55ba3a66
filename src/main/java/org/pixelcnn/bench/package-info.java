/**
 * Speed: one training step and one sampling step of a named configuration timed on a backend
 * ({@code StepRig}, {@code StepBench}, {@code BenchConfig}), the time per backend operation
 * ({@code OpTimer}), datasheet peaks of GPUs ({@code PeakFlops}) and the report. Shared by the
 * {@code bench} command and the JMH suite in {@code benchmarks/}.
 *
 * <p>May import: train, sample, model, data, backend, io.
 */
package org.pixelcnn.bench;
