// Stand-in for the authorization plugin's bundle in the dind entrypoint tests: listens on
// DIND_AUTHZ_SOCKET like the plugin, says on stderr which user it runs as and its settings, and
// exits on TERM. STUB_AUTHZ_EXIT=<n> exits at once with that status, as a plugin that cannot start.
const net = require('node:net');

if (process.env.STUB_AUTHZ_EXIT) process.exit(Number(process.env.STUB_AUTHZ_EXIT));
const server = net.createServer((connection) => connection.end());
server.listen(process.env.DIND_AUTHZ_SOCKET, () => {
  process.stderr.write(
    `authz-stub: uid=${process.getuid()} gid=${process.getgid()} sockets=${process.env.DIND_AUTHZ_ALLOWED_SOCKETS}\n`,
  );
});
process.on('SIGTERM', () => {
  process.stderr.write('authz-stub: TERM\n');
  server.close();
  process.exit(0);
});
