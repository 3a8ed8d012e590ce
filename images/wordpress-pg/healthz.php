<?php
/**
 * Probe endpoint for the kubelet. Default: proves Apache, PHP, the pgsql extension and the database credentials work
 * by running SELECT 1 (startup and readiness probes). ?check=php: only Apache and PHP (liveness; a database outage
 * must not restart every pod). Answers carry no details; the reason goes to the container log.
 */
header('Content-Type: text/plain');
header('Cache-Control: no-store');

if (($_GET['check'] ?? '') === 'php') {
    echo "ok\n";
    return;
}

function healthz_quote(string $value): string
{
    return "'" . str_replace(['\\', "'"], ['\\\\', "\\'"], $value) . "'";
}

$host = getenv('WORDPRESS_DB_HOST') ?: 'pg-db';
$port = '5432';
if (str_contains($host, ':')) {
    [$host, $port] = explode(':', $host, 2);
}
$conninfo = sprintf(
    'host=%s port=%s dbname=%s user=%s password=%s connect_timeout=2',
    healthz_quote($host),
    healthz_quote($port),
    healthz_quote((string) getenv('WORDPRESS_DB_NAME')),
    healthz_quote((string) getenv('WORDPRESS_DB_USER')),
    healthz_quote((string) getenv('WORDPRESS_DB_PASSWORD'))
);

$connection = @pg_connect($conninfo, PGSQL_CONNECT_FORCE_NEW);
if ($connection === false) {
    error_log('healthz: cannot connect to the database at ' . $host . ':' . $port);
    http_response_code(503);
    echo "database unavailable\n";
    return;
}
$result = @pg_query($connection, 'SELECT 1');
if ($result === false || pg_fetch_result($result, 0, 0) !== '1') {
    error_log('healthz: SELECT 1 failed: ' . pg_last_error($connection));
    http_response_code(503);
    echo "database unavailable\n";
    pg_close($connection);
    return;
}
pg_close($connection);
echo "ok\n";
