/**
 * The GPU test suite behind {@code selftest --backend cuda}: every backend operation on the GPU against
 * the CPU backend ({@code OpCases}, {@code Parity}), whole small models and causality
 * ({@code ModelParity}), and data-parallel training on GPU replicas ({@code TrainingParity}), each line a
 * relative error against a stated bound.
 *
 * <p>May import: train, sample, model, data, backend, io (not bench or cli).
 */
package org.pixelcnn.selftest;
