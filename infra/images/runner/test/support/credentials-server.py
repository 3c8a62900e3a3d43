#!/usr/bin/env python3
"""A stand-in for the ECS container credentials endpoint (169.254.170.2 / AWS_CONTAINER_CREDENTIALS_FULL_URI),
as the AWS SDKs call it: GET with the Authorization header equal to AWS_CONTAINER_AUTHORIZATION_TOKEN;
answers 401 without it, as ECS does. Serves fixed test credentials that moto accepts.

    credentials-server.py <port> <authorization token> <log file>
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

PORT, TOKEN, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]
CREDENTIALS = {
    "AccessKeyId": "ASIATESTKEYFROMTASKROLE",
    "SecretAccessKey": "taskRoleSecretKeyForTests0123456789abcdef",
    "Token": "taskRoleSessionTokenForTests",
    "Expiration": "2099-01-01T00:00:00Z",
    "RoleArn": "arn:aws:iam::123456789012:role/runner-task",
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        authorised = self.headers.get("Authorization") == TOKEN
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(f"GET {self.path} authorised={authorised}\n")
        body = json.dumps(CREDENTIALS if authorised else {"message": "unauthorised"}).encode()
        self.send_response(200 if authorised else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
