package com.cryptomaltese.gateway.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Run by {@link DatabaseDurabilityTest} in a JVM of its own: commits rows through the gateway's
 * datasource URL, prints "committed", then halts the JVM as kill -9 would (no shutdown hook, no close).
 */
public final class DatabaseCrashChild {

    private DatabaseCrashChild() {
    }

    public static void main(String[] args) throws SQLException {
        Connection connection = DriverManager.getConnection(args[0], "sa", "");
        connection.createStatement().execute("CREATE TABLE acknowledged (id INT PRIMARY KEY, note VARCHAR(20))");
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO acknowledged VALUES (?, ?)")) {
            for (int i = 1; i <= 5; i++) {
                insert.setInt(1, i);
                insert.setString(2, "row " + i);
                insert.executeUpdate(); // auto-commit: each row is acknowledged here
            }
        }
        System.out.println("committed");
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
