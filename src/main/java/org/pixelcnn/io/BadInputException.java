package org.pixelcnn.io;

/**
 * A problem with what the user gave us (a file, a directory, a flag value): its message is one line
 * that names the file or option and says what is wrong. The command line prints only that line and
 * exits with code 2 (the stack trace only under {@code --verbose}).
 */
public class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the file or option and the problem */
    public BadInputException(String message) {
        super(message);
    }

    /** @param message one line naming the file or option and the problem; @param cause the underlying error */
    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
