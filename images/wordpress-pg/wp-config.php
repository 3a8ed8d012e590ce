<?php
/**
 * WordPress configuration of the wordpress-pg image (project-owned; replaces the official image's generated one).
 * Everything environment-specific comes from the container's environment: the database credentials from the
 * pg-db-credentials Secret, the keys and salts from the wordpress-keys Secret (both generated per environment at
 * deploy time), the host name from the wordpress-site ConfigMap. Nothing secret is in the image.
 */

function seed_env(string $name, ?string $default = null): string
{
    $value = getenv($name);
    if ($value === false || $value === '') {
        if ($default !== null) {
            return $default;
        }
        error_log("wp-config: the environment variable $name is not set; check the pod's Secret and ConfigMap references.");
        http_response_code(503);
        exit("Site configuration incomplete.\n");
    }
    return $value;
}

// Database: PostgreSQL through PG4WP (wp-content/db.php); WordPress still calls these the MySQL settings.
define('DB_NAME', seed_env('WORDPRESS_DB_NAME'));
define('DB_USER', seed_env('WORDPRESS_DB_USER'));
define('DB_PASSWORD', seed_env('WORDPRESS_DB_PASSWORD'));
define('DB_HOST', seed_env('WORDPRESS_DB_HOST', 'pg-db'));
define('DB_CHARSET', 'utf8');
define('DB_COLLATE', '');
$table_prefix = 'wp_';

// PG4WP writes its error log here: the only writable place besides the upload folder.
define('PG4WP_LOG', '/tmp/pg4wp-logs/');

foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $key) {
    define($key, seed_env('WORDPRESS_' . $key));
}

// Behind Traefik, which terminates TLS and says so in X-Forwarded-Proto.
if (($_SERVER['HTTP_X_FORWARDED_PROTO'] ?? '') === 'https') {
    $_SERVER['HTTPS'] = 'on';
}
define('WP_HOME', ((($_SERVER['HTTPS'] ?? '') === 'on') ? 'https' : 'http') . '://' . seed_env('WORDPRESS_HOST'));
define('WP_SITEURL', WP_HOME);

// An immutable image: no installs, edits or updates of core, plugins or themes from the admin UI. Upgrades are a
// new image (docs/wordpress-on-postgresql.md).
define('DISALLOW_FILE_MODS', true);
define('DISALLOW_FILE_EDIT', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_AUTO_UPDATE_CORE', false);
// The NetworkPolicy allows no egress but the database; fail fast instead of waiting for timeouts.
define('WP_HTTP_BLOCK_EXTERNAL', true);

define('WP_DEBUG', false);
define('WP_DEBUG_DISPLAY', false);
define('WP_DEBUG_LOG', false);

if (!defined('ABSPATH')) {
    define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
