/**
 * The command line ({@code java -jar pixelcnn-engine.jar ...}): one picocli command per file, registered
 * in {@code Main}, which turns a {@link org.pixelcnn.io.BadInputException} into one line and exit code 2.
 * The option groups the commands share are in {@code cli/options}.
 *
 * <p>May import: everything below (selftest, bench, train, sample, model, data, backend, io).
 */
package org.pixelcnn.cli;
