package Coderun::Test;

# Assertions shared by the integration tests (Test::More underneath).

use strict;
use warnings;
use Exporter qw(import);
use JSON::PP;
use Test::More;
use Coderun::OpenAPI qw(load_document check_response);

our @EXPORT_OK = qw(is_error conforms is_json_number job_count $UUID_RE $RFC3339_RE);

our $UUID_RE    = qr/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
our $RFC3339_RE = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;

# is_error($response, $status, $name, [field => F], [code => C]):
# the API's error answer: that status, Content-Type application/json, a
# body {"error": "<sentence>", "code": "<slug>"} (plus the given fields)
# that matches the document. Returns the decoded body.
sub is_error {
    my ($res, $status, $name, %want) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $json = ref $res->{json} eq 'HASH' ? $res->{json} : {};
    subtest $name => sub {
        is($res->{status}, $status, "status $status")
            or diag("body: " . substr($res->{content} // '', 0, 500));
        like($res->{headers}{'content-type'} // '', qr{^application/json\b}i, 'Content-Type: application/json');
        ok(ref $res->{json} eq 'HASH', 'body is a JSON object');
        like($json->{error} // '', qr/\S/, '"error" is a sentence');
        like($json->{code} // '', qr/^[a-z][a-z0-9_]*$/, '"code" is a slug');
        for my $key (sort keys %want) {
            ref $want{$key} eq 'Regexp' ? like($json->{$key}, $want{$key}, "\"$key\" matches")
                                        : is($json->{$key}, $want{$key}, "\"$key\" is $want{$key}");
        }
        conforms($res, 'the error answer');
    };
    return $json;
}

# The answer (a Coderun::Stack response) matches mod_coderun/openapi.json;
# nothing is checked for a path the document does not have.
my $document;
sub conforms {
    my ($res, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    $document //= load_document();
    my ($path) = $res->{url} =~ m{^\w+://[^/]+([^?#]*)};
    return unless defined Coderun::OpenAPI::path_template($document, $path);
    my @problems = check_response($document, $res->{method}, $path, $res->{status}, $res->{json});
    is_deeply(\@problems, [], "$name matches openapi.json") or diag(explain(\@problems));
}

# True when VALUE came out of JSON as a number, not a string.
sub is_json_number {
    my ($value, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $encoded = defined $value ? JSON::PP->new->allow_nonref->encode($value) : 'null';
    like($encoded, qr/^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/, "$name is a JSON number")
        or diag("got $encoded");
}

# Rows in coderun.jobs (what a rejected request must not change).
sub job_count {
    my ($stack) = @_;
    return $stack->psql('SELECT count(*) FROM coderun.jobs');
}

1;
