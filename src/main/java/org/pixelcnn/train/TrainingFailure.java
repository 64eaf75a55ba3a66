package org.pixelcnn.train;

/**
 * Training cannot go on (a non-finite loss or gradient): the message is one line saying at which step
 * and what was left untouched (the last good checkpoint). The command line exits with code 3.
 */
public final class TrainingFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingFailure(String message) {
        super(message);
    }
}
