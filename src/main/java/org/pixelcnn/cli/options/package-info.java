/**
 * The option groups (picocli mixins) the commands share: {@code CommonOptions} (--verbose),
 * {@code BackendOptions} (--backend, --precision), {@code DataOptions} (--data_set, --data_dir,
 * --no_download) and {@code ModelOptions} (train.py's model flags), each validated in one place.
 *
 * <p>May import: everything below cli.
 */
package org.pixelcnn.cli.options;
