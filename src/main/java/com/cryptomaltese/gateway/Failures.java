package com.cryptomaltese.gateway;

/** Failures told in one log line, for the places that log an expected failure without its stack trace. */
public final class Failures {

    private Failures() {
    }

    /** The failure and its innermost cause, type and message of each, on one line. */
    public static String oneLine(Throwable failure) {
        if (failure == null) {
            return "unknown failure";
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        return root == failure ? text : text + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}
