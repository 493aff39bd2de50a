//! Comma-separated header values (RFC 3261 section 7.3.1): every field of
//! a header, and every element of each field, read in order.

use crate::error::{Error, Fault};
use crate::message::HeaderField;
use crate::message::headers::HeaderMatch;
use crate::syntax::Scanner;

/// Reads one element of a list at the scanner.
pub(crate) type ItemParser<'h, T> = fn(&mut Scanner<'h>) -> Result<T, Fault>;

/// Iterator over the typed elements of all fields of one header, in
/// order. The first malformed element ends the iteration with an error
/// naming its line and byte.
pub struct TypedIter<'h, T> {
    fields: std::slice::Iter<'h, HeaderField>,
    name: HeaderMatch<'static>,
    item: ItemParser<'h, T>,
    current: Option<(&'h HeaderField, Scanner<'h>)>,
    allow_empty: bool,
    done: bool,
}

impl<'h, T> TypedIter<'h, T> {
    pub(crate) fn new(
        fields: std::slice::Iter<'h, HeaderField>,
        name: HeaderMatch<'static>,
        item: ItemParser<'h, T>,
        allow_empty: bool,
    ) -> Self {
        TypedIter {
            fields,
            name,
            item,
            current: None,
            allow_empty,
            done: false,
        }
    }

    /// The elements of one field, read with `scanner` (see [`scanner`]).
    pub(crate) fn over(
        field: &'h HeaderField,
        scanner: Scanner<'h>,
        item: ItemParser<'h, T>,
    ) -> Self {
        TypedIter {
            fields: [].iter(),
            name: HeaderMatch::known(""),
            item,
            current: Some((field, scanner)),
            allow_empty: true,
            done: false,
        }
    }

    fn fail(&mut self, field: &HeaderField, fault: Fault) -> Option<Result<T, Error>> {
        self.done = true;
        Some(Err(field.error(fault)))
    }
}

impl<'h, T> Iterator for TypedIter<'h, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            if let Some((field, scanner)) = self.current.as_mut() {
                let field: &'h HeaderField = field;
                scanner.skip_lws();
                if scanner.at_end() {
                    self.current = None;
                    continue;
                }
                let parsed = (self.item)(scanner);
                let result = parsed.and_then(|value| {
                    scanner.skip_lws();
                    if !scanner.at_end() && !scanner.separator(b',') {
                        return Err(scanner.fault("',' or the end of the header value"));
                    }
                    if scanner.at_end() && scanner.input().last() == Some(&b',') {
                        return Err(scanner.fault("another value after ','"));
                    }
                    Ok(value)
                });
                return match result {
                    Ok(value) => Some(Ok(value)),
                    Err(fault) => self.fail(field, fault),
                };
            }
            let name = self.name;
            let field = self.fields.by_ref().find(|f| name.matches(f))?;
            if field.value().is_empty() && !self.allow_empty {
                return self.fail(
                    field,
                    Fault {
                        at: 0,
                        expected: "a header value",
                    },
                );
            }
            self.current = Some((field, Scanner::new(field.value())));
        }
    }
}

/// A scanner over a field's value: over `text`, its value already held
/// as UTF-8, when given, else over its octets.
pub(crate) fn scanner<'h>(field: &'h HeaderField, text: Option<&'h str>) -> Scanner<'h> {
    match text {
        Some(text) => {
            debug_assert_eq!(text.as_bytes(), field.value());
            Scanner::from_text(text)
        }
        None => Scanner::new(field.value()),
    }
}

/// Parses a whole single-valued field with `item`.
pub(crate) fn single<'h, T>(field: &'h HeaderField, item: ItemParser<'h, T>) -> Result<T, Error> {
    single_in(field, Scanner::new(field.value()), item)
}

/// [`single`] with the scanner given.
pub(crate) fn single_in<'h, T>(
    field: &'h HeaderField,
    mut s: Scanner<'h>,
    item: ItemParser<'h, T>,
) -> Result<T, Error> {
    s.skip_lws();
    let value = item(&mut s).map_err(|f| field.error(f))?;
    s.finish("end of the header value")
        .map_err(|f| field.error(f))?;
    Ok(value)
}

/// A run of decimal digits as a number no larger than `max`.
pub(crate) fn number(s: &mut Scanner<'_>, max: u64, expected: &'static str) -> Result<u64, Fault> {
    let start = s.pos();
    let digits = s.take_while(|b| b.is_ascii_digit());
    if digits.is_empty() {
        return Err(s.fault(expected));
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .filter(|&v| v <= max)
            .ok_or(Fault {
                at: start,
                expected,
            })?;
    }
    Ok(value)
}
