//! RTP header extensions (RFC 3550 section 5.3.1) and the RFC 8285
//! one-byte and two-byte element forms.

use crate::Error;

/// Profile value that marks the one-byte form (RFC 8285 section 4.2).
pub const ONE_BYTE_PROFILE: u16 = 0xbede;
/// Upper 12 bits of the profile value that marks the two-byte form
/// (RFC 8285 section 4.3); the low 4 bits are "appbits".
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

/// The element syntax a header extension uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionForm {
    /// IDs 1-14, 1-16 bytes of data each.
    OneByte,
    /// IDs 1-255, 0-255 bytes of data each; carries 4 application bits.
    TwoByte {
        /// The low 4 bits of the profile value.
        appbits: u8,
    },
}

impl ExtensionForm {
    /// The form a profile value announces, if it is an RFC 8285 one.
    pub fn from_profile(profile: u16) -> Option<Self> {
        match profile {
            ONE_BYTE_PROFILE => Some(ExtensionForm::OneByte),
            p if p & 0xfff0 == TWO_BYTE_PROFILE => Some(ExtensionForm::TwoByte {
                appbits: (p & 0x0f) as u8,
            }),
            _ => None,
        }
    }

    /// The profile value that announces this form.
    pub fn profile(self) -> u16 {
        match self {
            ExtensionForm::OneByte => ONE_BYTE_PROFILE,
            ExtensionForm::TwoByte { appbits } => TWO_BYTE_PROFILE | u16::from(appbits & 0x0f),
        }
    }

    /// True when an element with this id and data length can use this form.
    pub fn fits(self, element: &ExtensionElement<'_>) -> bool {
        match self {
            ExtensionForm::OneByte => {
                (1..=14).contains(&element.id) && (1..=16).contains(&element.data.len())
            }
            ExtensionForm::TwoByte { .. } => element.id != 0 && element.data.len() <= 255,
        }
    }
}

/// One RFC 8285 element: a local identifier and its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionElement<'a> {
    /// The local identifier negotiated with `a=extmap`.
    pub id: u8,
    /// The element's data.
    pub data: &'a [u8],
}

/// A header extension borrowed from a packet: profile-defined 16 bits and
/// the data words that follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderExtension<'a> {
    profile: u16,
    data: &'a [u8],
}

impl<'a> HeaderExtension<'a> {
    pub(crate) fn new(profile: u16, data: &'a [u8]) -> Self {
        HeaderExtension { profile, data }
    }

    /// The 16-bit "defined by profile" field.
    pub fn profile(&self) -> u16 {
        self.profile
    }

    /// The extension data, a whole number of 32-bit words.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The RFC 8285 form, or `None` for another profile's extension.
    pub fn form(&self) -> Option<ExtensionForm> {
        ExtensionForm::from_profile(self.profile)
    }

    /// The RFC 8285 elements in order, skipping padding. Yields nothing for
    /// other profiles; yields one error and stops on a truncated element.
    pub fn elements(&self) -> Elements<'a> {
        Elements {
            form: self.form(),
            rest: self.data,
        }
    }

    /// The data of the first element with this id.
    pub fn get(&self, id: u8) -> Option<&'a [u8]> {
        self.elements()
            .map_while(Result::ok)
            .find(|e| e.id == id)
            .map(|e| e.data)
    }
}

/// Iterator over RFC 8285 elements; see [`HeaderExtension::elements`].
#[derive(Debug, Clone)]
pub struct Elements<'a> {
    form: Option<ExtensionForm>,
    rest: &'a [u8],
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<ExtensionElement<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let form = self.form?;
        loop {
            let (&first, after) = self.rest.split_first()?;
            let (id, len, after) = match form {
                ExtensionForm::OneByte => {
                    let id = first >> 4;
                    if id == 15 {
                        // Reserved: the receiver stops processing (RFC 8285 4.2).
                        self.rest = &[];
                        return None;
                    }
                    (id, usize::from(first & 0x0f) + 1, after)
                }
                ExtensionForm::TwoByte { .. } => {
                    if first == 0 {
                        (0, 0, after)
                    } else {
                        let Some((&len, after)) = after.split_first() else {
                            return self.fail();
                        };
                        (first, usize::from(len), after)
                    }
                }
            };
            if id == 0 {
                // A padding byte between or after elements.
                self.rest = after;
                continue;
            }
            let Some((data, rest)) = after.split_at_checked(len) else {
                return self.fail();
            };
            self.rest = rest;
            return Some(Ok(ExtensionElement { id, data }));
        }
    }
}

impl Elements<'_> {
    fn fail<T>(&mut self) -> Option<Result<T, Error>> {
        let available = self.rest.len();
        self.rest = &[];
        Some(Err(Error::truncated(
            "RTP header extension element",
            available + 1,
            available,
        )))
    }
}

/// Chooses the smallest form that can carry all `elements`.
pub fn form_for(elements: &[ExtensionElement<'_>]) -> Result<ExtensionForm, Error> {
    let one = ExtensionForm::OneByte;
    let two = ExtensionForm::TwoByte { appbits: 0 };
    if elements.iter().all(|e| one.fits(e)) {
        Ok(one)
    } else if elements.iter().all(|e| two.fits(e)) {
        Ok(two)
    } else {
        Err(Error::TooLarge {
            what: "RTP header extension element",
        })
    }
}

/// Bytes the elements take in `form`, before padding to a 32-bit word.
pub(crate) fn elements_len(form: ExtensionForm, elements: &[ExtensionElement<'_>]) -> usize {
    let per_element = match form {
        ExtensionForm::OneByte => 1,
        ExtensionForm::TwoByte { .. } => 2,
    };
    elements.iter().map(|e| per_element + e.data.len()).sum()
}

/// Writes the elements into `out`, which must be exactly
/// `pad4(elements_len(..))` long; trailing bytes become padding.
pub(crate) fn write_elements(
    form: ExtensionForm,
    elements: &[ExtensionElement<'_>],
    out: &mut [u8],
) -> Result<(), Error> {
    let mut at = 0;
    let available = out.len();
    for e in elements {
        if !form.fits(e) {
            return Err(Error::TooLarge {
                what: "RTP header extension element",
            });
        }
        let head: &[u8] = match form {
            ExtensionForm::OneByte => &[(e.id << 4) | (e.data.len() as u8 - 1)],
            ExtensionForm::TwoByte { .. } => &[e.id, e.data.len() as u8],
        };
        for part in [head, e.data] {
            let end = at + part.len();
            out.get_mut(at..end)
                .ok_or(Error::BufferTooSmall {
                    needed: end,
                    available,
                })?
                .copy_from_slice(part);
            at = end;
        }
    }
    out.get_mut(at..).unwrap_or_default().fill(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte_form_with_padding_and_stop() {
        // id 1 len 1, a padding byte, id 2 len 2, then the reserved id 15.
        let data = [0x10, 0xaa, 0x00, 0x21, 0x01, 0x02, 0xf0, 0x33];
        let ext = HeaderExtension::new(ONE_BYTE_PROFILE, &data);
        let got: Vec<_> = ext.elements().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            got,
            vec![
                ExtensionElement {
                    id: 1,
                    data: &[0xaa]
                },
                ExtensionElement {
                    id: 2,
                    data: &[1, 2]
                },
            ]
        );
        assert_eq!(ext.get(2), Some(&[1u8, 2][..]));
    }

    #[test]
    fn two_byte_form_allows_empty_data() {
        let data = [0x07, 0x00, 0x00, 0x20, 0x01, 0x55, 0x00, 0x00];
        let ext = HeaderExtension::new(0x1003, &data);
        assert_eq!(ext.form(), Some(ExtensionForm::TwoByte { appbits: 3 }));
        let got: Vec<_> = ext.elements().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            got,
            vec![
                ExtensionElement { id: 7, data: &[] },
                ExtensionElement {
                    id: 0x20,
                    data: &[0x55]
                },
            ]
        );
    }

    #[test]
    fn truncated_element_is_an_error_once() {
        let data = [0x13, 0xaa, 0xbb, 0xcc];
        let ext = HeaderExtension::new(ONE_BYTE_PROFILE, &data);
        let got: Vec<_> = ext.elements().collect();
        assert_eq!(got.len(), 1);
        assert!(got[0].is_err());
    }

    #[test]
    fn other_profiles_have_no_elements() {
        let ext = HeaderExtension::new(0x1234, &[1, 2, 3, 4]);
        assert_eq!(ext.form(), None);
        assert_eq!(ext.elements().count(), 0);
    }
}
