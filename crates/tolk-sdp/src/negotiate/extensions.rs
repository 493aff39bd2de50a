//! RTP header extensions (RFC 8285 §6).
//!
//! The answer carries each offered `a=extmap` whose URI we support, under
//! the offered id, with its direction seen from our side (`sendonly`
//! becomes `recvonly` and back); the ones we do not support are left out,
//! which declines them. Our offer numbers our extensions from 1, which
//! fits the one-byte header form.

use crate::model::{ExtMap, Text};

/// The answer's extmaps for `offered` under our `supported` URIs.
pub(crate) fn answer(offered: &[ExtMap], supported: &[Text]) -> Vec<ExtMap> {
    offered
        .iter()
        .filter(|extmap| supported.contains(&extmap.uri))
        .map(|extmap| ExtMap {
            id: extmap.id,
            direction: extmap.direction.map(|direction| direction.reversed()),
            uri: extmap.uri.clone(),
            attributes: extmap.attributes.clone(),
        })
        .collect()
}

/// Our offer's extmaps: every supported URI, ids from 1.
pub(crate) fn offer(supported: &[Text]) -> Vec<ExtMap> {
    (1..)
        .zip(supported)
        .map(|(id, uri)| ExtMap {
            id,
            direction: None,
            uri: uri.clone(),
            attributes: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Direction;

    fn extmap(id: u16, direction: Option<Direction>, uri: &str) -> ExtMap {
        ExtMap {
            id,
            direction,
            uri: uri.into(),
            attributes: None,
        }
    }

    #[test]
    fn keeps_supported_ids_and_reverses_directions() {
        let supported = [Text::from_static("urn:a"), Text::from_static("urn:b")];
        let offered = [
            extmap(3, None, "urn:a"),
            extmap(7, Some(Direction::SendOnly), "urn:b"),
            extmap(9, None, "urn:unknown"),
        ];
        assert_eq!(
            answer(&offered, &supported),
            [
                extmap(3, None, "urn:a"),
                extmap(7, Some(Direction::RecvOnly), "urn:b"),
            ]
        );
        assert!(answer(&offered, &[]).is_empty());
        assert_eq!(offer(&supported)[1], extmap(2, None, "urn:b"));
    }
}
