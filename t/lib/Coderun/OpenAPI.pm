package Coderun::OpenAPI;

# Checks live JSON answers against mod_coderun/openapi.json, so the tests
# hold the server to the document clients read. Only what that document
# uses is implemented: $ref, type, nullable, enum, required, properties,
# additionalProperties (false, or a schema for maps), items, minItems,
# maxItems, minLength, minimum, maximum, formats date-time and uuid, allOf,
# anyOf, oneOf.
#
#   my $doc = Coderun::OpenAPI::load_document();
#   my @problems = check_response($doc, 'GET', '/result/{exec_id}', 200, $body);
#   is_deeply(\@problems, [], 'answer matches the document') or diag explain \@problems;

use strict;
use warnings;

use B ();
use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use JSON::PP ();

our @EXPORT_OK = qw(load_document check_response check_value operation_response);

my $DEFAULT_DOCUMENT = abs_path(dirname(__FILE__) . '/../../..') . '/mod_coderun/openapi.json';
my $MAX_REF_DEPTH = 32;    # a $ref chain longer than this is a cycle

sub load_document {
    my ($path) = @_;
    $path //= $DEFAULT_DOCUMENT;
    open my $fh, '<:raw', $path or die "cannot read $path: $!\n";
    local $/;
    return JSON::PP->new->utf8->decode(scalar <$fh>);
}

# The problems of a decoded JSON body answered with $status to $method
# $path (a template such as /result/{exec_id}, or a concrete path); an
# empty list when the body matches the document.
sub check_response {
    my ($doc, $method, $path, $status, $body) = @_;
    my ($response, $problem) = operation_response($doc, $method, $path, $status);
    return $problem if $problem;
    my $media = $response->{content}{'application/json'}
        or return "$method $path $status: the document has no application/json body for it";
    return check_value($doc, $media->{schema} // {}, $body, '$');
}

# The resolved response object, or (undef, problem).
sub operation_response {
    my ($doc, $method, $path, $status) = @_;
    my $template = path_template($doc, $path)
        // return (undef, "$path: no such path in the document");
    my $operation = $doc->{paths}{$template}{lc $method};
    my $responses = $operation ? $operation->{responses} : {};
    my $response = $responses->{$status} // $responses->{substr($status, 0, 1) . 'XX'}
        // $responses->{default};
    # The server answers a method a path lacks with 405 + Allow.
    $response //= $doc->{components}{responses}{MethodNotAllowed}
        if !$operation && $status == 405;
    return (undef, "$method $template: no such operation in the document") if !$operation && !$response;
    return (undef, "$method $template: status $status is not documented") unless $response;
    return resolve($doc, $response);
}

sub path_template {
    my ($doc, $path) = @_;
    return $path if exists $doc->{paths}{$path};
    for my $template (sort keys %{ $doc->{paths} }) {
        my $re = join '', map { /^\{.+\}$/ ? '[^/]+' : quotemeta } split /(\{[^}]+\})/, $template;
        return $template if $path =~ /^$re$/;
    }
    return undef;
}

sub resolve {
    my ($doc, $node) = @_;
    for (1 .. $MAX_REF_DEPTH) {
        return $node unless ref $node eq 'HASH' && defined $node->{'$ref'};
        my $ref = $node->{'$ref'};
        return (undef, "unsupported \$ref $ref") unless $ref =~ m{^#/};
        $node = $doc;
        for my $part (split m{/}, substr($ref, 2)) {
            $part =~ s/~1/\//g;
            $part =~ s/~0/~/g;
            $node = ref $node eq 'HASH' ? $node->{$part} : undef;
            return (undef, "dangling \$ref $ref") unless defined $node;
        }
    }
    return (undef, "\$ref cycle");
}

# The JSON type of a decoded value: null, boolean, object, array, integer,
# number or string. JSON::PP leaves numbers without the string flag.
sub json_type {
    my ($v) = @_;
    return 'null' unless defined $v;
    return 'boolean' if JSON::PP::is_bool($v);
    return ref $v eq 'HASH' ? 'object' : ref $v eq 'ARRAY' ? 'array' : 'unknown' if ref $v;
    my $flags = B::svref_2object(\$v)->FLAGS;
    return 'string' if $flags & B::SVf_POK || !($flags & (B::SVf_IOK | B::SVf_NOK));
    return $v =~ /^-?\d+$/ ? 'integer' : 'number';
}

my %FORMAT = (
    'date-time' => qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i,
    uuid        => qr/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
);

# The problems of $value against $schema; $where names the value ($.a[0].b).
sub check_value {
    my ($doc, $schema, $value, $where) = @_;
    my $problem;
    ($schema, $problem) = resolve($doc, $schema);
    return "$where: $problem" if $problem;

    my @problems = map { check_value($doc, $_, $value, $where) } @{ $schema->{allOf} || [] };
    for my $kind (qw(anyOf oneOf)) {
        my $options = $schema->{$kind} or next;
        my $matches = grep { !check_value($doc, $_, $value, $where) } @$options;
        push @problems, "$where: matches $matches of the $kind schemas"
            if $kind eq 'anyOf' ? !$matches : $matches != 1;
    }

    my $type = json_type($value);
    if ($type eq 'null') {
        return @problems if $schema->{nullable} || (!$schema->{type} && !$schema->{enum});
        return (@problems, "$where: null where " . ($schema->{type} // 'a value') . ' is expected');
    }
    my $want = $schema->{type};
    if ($want && !($type eq $want || ($want eq 'number' && $type eq 'integer'))) {
        return (@problems, "$where: $type where $want is expected");
    }
    if (my $enum = $schema->{enum}) {
        push @problems, "$where: " . JSON::PP->new->allow_nonref->encode($value) . ' is not one of '
            . join(', ', map { $_ // 'null' } @$enum)
            unless grep { defined && !ref $value && $_ eq $value } @$enum;
    }
    push @problems, check_object($doc, $schema, $value, $where) if $type eq 'object';
    push @problems, check_array($doc, $schema, $value, $where) if $type eq 'array';
    push @problems, check_scalar($schema, $value, $type, $where);
    return @problems;
}

sub check_object {
    my ($doc, $schema, $value, $where) = @_;
    my $properties = $schema->{properties} || {};
    my $additional = $schema->{additionalProperties};
    my @problems = map { "$where: required property $_ is missing" }
                   grep { !exists $value->{$_} } @{ $schema->{required} || [] };
    for my $key (sort keys %$value) {
        my $sub = "$where.$key";
        if ($properties->{$key}) {
            push @problems, check_value($doc, $properties->{$key}, $value->{$key}, $sub);
        } elsif (ref $additional eq 'HASH') {
            push @problems, check_value($doc, $additional, $value->{$key}, $sub);
        } elsif (defined $additional && !$additional) {
            push @problems, "$sub: property not allowed";
        }
    }
    return @problems;
}

sub check_array {
    my ($doc, $schema, $value, $where) = @_;
    my @problems;
    push @problems, "$where: fewer than $schema->{minItems} items"
        if defined $schema->{minItems} && @$value < $schema->{minItems};
    push @problems, "$where: more than $schema->{maxItems} items"
        if defined $schema->{maxItems} && @$value > $schema->{maxItems};
    if (my $items = $schema->{items}) {
        push @problems, check_value($doc, $items, $value->[$_], "$where\[$_\]") for 0 .. $#$value;
    }
    return @problems;
}

sub check_scalar {
    my ($schema, $value, $type, $where) = @_;
    my @problems;
    if ($type eq 'string') {
        my $format = $schema->{format};
        push @problems, "$where: \"$value\" is not a $format"
            if $format && $FORMAT{$format} && $value !~ $FORMAT{$format};
        push @problems, "$where: shorter than $schema->{minLength} characters"
            if defined $schema->{minLength} && length $value < $schema->{minLength};
    } elsif ($type eq 'integer' || $type eq 'number') {
        push @problems, "$where: $value is below $schema->{minimum}"
            if defined $schema->{minimum} && $value < $schema->{minimum};
        push @problems, "$where: $value is above $schema->{maximum}"
            if defined $schema->{maximum} && $value > $schema->{maximum};
    }
    return @problems;
}

1;
