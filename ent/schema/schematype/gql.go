// Code below is the GraphQL marshalling of the enumerations of enums.go.

package schematype

import "io"

// MarshalGQL writes the value as a GraphQL enum.
func (v TargetArea) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *TargetArea) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v Channel) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *Channel) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v Requester) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *Requester) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v Response) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *Response) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v Outcome) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *Outcome) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v ReferralStatus) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *ReferralStatus) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v FailureReason) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *FailureReason) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v Role) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *Role) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v Sex) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *Sex) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v MacroArea) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *MacroArea) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v ServiceKind) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *ServiceKind) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v Provider) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *Provider) UnmarshalGQL(x any) error { return unmarshal(v, x) }

// MarshalGQL writes the value as a GraphQL enum.
func (v Medium) MarshalGQL(w io.Writer) { marshal(w, string(v)) }

// UnmarshalGQL reads a GraphQL enum; it fails on an unknown value.
func (v *Medium) UnmarshalGQL(x any) error { return unmarshal(v, x) }
